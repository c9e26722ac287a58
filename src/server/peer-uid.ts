// Which local user is on the other end of a TCP connection, read from the kernel's socket tables (Linux
// /proc/net/tcp and tcp6). A password-less server uses it to serve only its own user (and root): on a shared
// machine any account can reach 127.0.0.1, and without this could run commands as the server's user.
//
// Each table line is one socket: `sl local rem st tx:rx tr:when retrnsmt uid timeout inode …`, addresses as hex
// words in the host's byte order and ports as big-endian hex. The peer of our accepted socket is the line whose
// local end is our remote end and whose remote end is our local end. Looked up once per connection.

import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";
import { isIP, type Socket } from "node:net";
import { endianness } from "node:os";
import { join } from "node:path";
import { isLoopbackIp } from "./guard.js";

export interface SocketOwner {
  uid: number;
  /** 0 when no process holds the socket any more (closed, orphaned or TIME_WAIT): its owner cannot be told. */
  inode: number;
}

const littleEndian = endianness() === "LE";

function ipv6Bytes(address: string): number[] | undefined {
  let text = address.toLowerCase();
  const zone = text.indexOf("%");
  if (zone !== -1) text = text.slice(0, zone);
  let tail: number[] = [];
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    tail = dotted[1].split(".").map(Number);
    text = `${text.slice(0, dotted.index)}0:0`;
  }
  const [head, rest] = text.split("::") as [string, string | undefined];
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((group) => Number.parseInt(group, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const words = [...left, ...Array<number>(Math.max(0, fill)).fill(0), ...right];
  if (words.length !== 8 || words.some((word) => !(word >= 0 && word <= 0xffff))) return undefined;
  const bytes = words.flatMap((word) => [word >> 8, word & 0xff]);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** The hex form of an address as a table prints it: each 32-bit word in the host's byte order. */
function tableHex(bytes: number[]): string {
  const buffer = Buffer.from(bytes);
  let hex = "";
  for (let i = 0; i < bytes.length; i += 4) {
    const word = littleEndian ? buffer.readUInt32LE(i) : buffer.readUInt32BE(i);
    hex += word.toString(16).toUpperCase().padStart(8, "0");
  }
  return hex;
}

/** `ADDR:PORT` as /proc/net/tcp (IPv4 address) or tcp6 (IPv6 address) prints it; undefined if not an IP. */
export function tableEndpoint(ip: string, port: number): string | undefined {
  const family = isIP(ip);
  const bytes = family === 4 ? ip.split(".").map(Number) : family === 6 ? ipv6Bytes(ip) : undefined;
  if (!bytes) return undefined;
  return `${tableHex(bytes)}:${port.toString(16).toUpperCase().padStart(4, "0")}`;
}

/**
 * The socket whose local end is `local` and remote end is `remote` (both in tableEndpoint form), if listed. A
 * socket held by a process wins over a closed one with the same ends (a TIME_WAIT left from an earlier
 * connection on the same ports).
 */
export function findSocket(table: string, local: string, remote: string): SocketOwner | undefined {
  const needle = ` ${local} ${remote} `;
  let found: SocketOwner | undefined;
  for (let at = table.indexOf(needle); at !== -1; at = table.indexOf(needle, at + 1)) {
    const lineEnd = table.indexOf("\n", at);
    const columns = table
      .slice(table.lastIndexOf("\n", at) + 1, lineEnd === -1 ? undefined : lineEnd)
      .trim()
      .split(/\s+/);
    // A line is `sl: local rem st …`: the match must be the local and remote columns.
    if (columns[1] !== local || columns[2] !== remote) continue;
    found = { uid: Number(columns[7]), inode: Number(columns[9]) };
    if (found.inode !== 0) return found;
  }
  return found;
}

/** An IPv4 address mapped into IPv6 (`::ffff:a.b.c.d`), as its IPv4 form. */
function unmapped(ip: string): string | undefined {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return match?.[1];
}

export type PeerVerdict = { allowed: true } | { allowed: false; uid?: number; reason: string };

/** The two ends of an accepted connection, as the server sees them. */
export interface ConnectionEnds {
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}

/** Judges the peer of an accepted connection from the table text: its owner must be `ownUid` or root. */
export function judgePeer(
  tables: { tcp: string; tcp6: string },
  connection: ConnectionEnds,
  ownUid: number,
): PeerVerdict | "remote" {
  for (const { table, local, remote } of peerNeedles(connection)) {
    const owner = findSocket(tables[table], local, remote);
    if (owner) return ownerVerdict(owner, ownUid);
  }
  return "remote";
}

/** Where a connection's peer socket would be listed (`local remote` of the peer's socket), in the order to look. */
function peerNeedles(connection: ConnectionEnds): { table: "tcp" | "tcp6"; local: string; remote: string }[] {
  const needles: { table: "tcp" | "tcp6"; local: string; remote: string }[] = [];
  const add = (table: "tcp" | "tcp6", remoteIp: string, localIp: string) => {
    const local = tableEndpoint(remoteIp, connection.remotePort);
    const remote = tableEndpoint(localIp, connection.localPort);
    if (local && remote) needles.push({ table, local, remote });
  };
  const remote4 = isIP(connection.remoteAddress) === 4 ? connection.remoteAddress : unmapped(connection.remoteAddress);
  const local4 = isIP(connection.localAddress) === 4 ? connection.localAddress : unmapped(connection.localAddress);
  // A client reaching an IPv6 (dual-stack) listener from IPv4 holds an IPv4 socket; one that dialed the mapped
  // address holds an IPv6 one.
  if (remote4 && local4) add("tcp", remote4, local4);
  if (isIP(connection.remoteAddress) === 6) add("tcp6", connection.remoteAddress, connection.localAddress);
  return needles;
}

/** The verdict on a listed peer socket. */
function ownerVerdict(owner: SocketOwner, ownUid: number): PeerVerdict {
  if (owner.inode === 0)
    return { allowed: false, reason: "the client's socket was closed before its owner could be read" };
  if (owner.uid === ownUid || owner.uid === 0) return { allowed: true };
  return { allowed: false, uid: owner.uid, reason: "the client belongs to another local user" };
}

export interface PeerGate {
  /** Starts the owner lookup of a new connection (call on `connection`). */
  watch(socket: Socket): void;
  /** The connection's verdict: at once when known, else when its lookup ends. */
  verdict(socket: Socket): boolean | Promise<boolean>;
}

export interface PeerGateOptions {
  ownUid: number;
  /** Where the tables live (default /proc/net). */
  procNet?: string;
  /** Told of each refused connection (for the log). */
  onRefused(details: { uid?: number; reason: string; remoteAddress?: string; remotePort?: number }): void;
  /** Told as each walk of the tables starts, with how many connections it judges (tests count walks with it). */
  onScan?(connections: number): void;
}

/** Whether this machine lets us read the socket tables; without them no peer can be told apart. */
export function peerTablesReadable(procNet = "/proc/net"): boolean {
  let fd: number | undefined;
  try {
    // The first bytes are enough to know: the whole table costs the kernel a walk of every socket.
    fd = openSync(join(procNet, "tcp"), "r");
    return readSync(fd, Buffer.alloc(256), 0, 256, null) > 0;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

interface Waiting {
  /** Where its peer would be listed: `local remote` of the peer's socket, per table, in judgePeer's order. */
  needles: ReturnType<typeof peerNeedles>;
  /** A closed socket with the peer's ends, seen before any live one: the verdict if no live one follows. */
  closed?: SocketOwner;
  decide(verdict: PeerVerdict | "remote"): void;
}

/**
 * Read at a time. The kernel renders only what a read asks for, and a walk stops once every waiting peer is found
 * (on average halfway): a read of the whole table at once would make it render every socket each time.
 *
 * Each chunk is read synchronously, with a turn of the event loop between chunks (one chunk, ~200 sockets, blocks
 * the loop well under a millisecond). Reads through the thread pool (fs/promises) cost the process 2–3× the CPU of
 * the same reads made here (a 2,000-socket table: ~17 ms against ~8.6 ms a walk, 5 interleaved rounds of 40 walks
 * each on this machine), and a walk per connection made that most of what an SSE connection costs the server.
 */
const CHUNK = 32 * 1024;

export function createPeerGate(options: PeerGateOptions): PeerGate {
  const procNet = options.procNet ?? "/proc/net";
  const verdicts = new WeakMap<Socket, boolean | Promise<boolean>>();
  // One walk of the tables at a time, shared by every connection waiting for it: the walk starts after the
  // connections of one turn of the event loop were accepted (so their peers are listed), and connections accepted
  // while it runs wait for the next one (a peer accepted mid-walk may be listed in the part already read). So a
  // burst of connections costs a few walks, not one each (each walk costs the kernel a visit of every socket on
  // the machine: a walk per connection made 100 connections at once take seconds). A walk stops as soon as every
  // waiting peer is found, and reads tcp6 only for an IPv6 peer (an IPv4 one is only ever in tcp). Each chunk is
  // searched once, so a walk costs the table's length, not its length times the chunks read.
  let next: Waiting[] = [];
  let walking = false;
  const walkSoon = () => {
    if (walking || next.length === 0) return;
    walking = true;
    setImmediate(() => {
      const waiting = next;
      next = [];
      options.onScan?.(waiting.length);
      void scan(waiting).finally(() => {
        walking = false;
        walkSoon();
      });
    });
  };
  const scan = async (waiting: Waiting[]) => {
    for (const name of ["tcp", "tcp6"] as const) {
      if (waiting.length === 0) return;
      if (!waiting.some((entry) => entry.needles.some((needle) => needle.table === name))) continue;
      // Opened through the thread pool (an open need not be instant: tests hold a walk open on a FIFO), read here.
      const handle = await open(join(procNet, name)).catch(() => undefined);
      if (handle) {
        try {
          const buffer = Buffer.allocUnsafe(CHUNK);
          let carry = "";
          for (;;) {
            const bytesRead = readSync(handle.fd, buffer, 0, CHUNK, null);
            if (bytesRead === 0) break;
            const text = carry + buffer.toString("latin1", 0, bytesRead);
            const complete = text.lastIndexOf("\n") + 1;
            carry = text.slice(complete);
            search(waiting, name, text.slice(0, complete));
            if (waiting.length === 0) return;
            await new Promise<void>((resume) => setImmediate(resume));
          }
        } catch {
          // Judged on what was read.
        } finally {
          await handle.close();
        }
      }
      // The end of a table: a peer seen there only closed is judged on that (judgePeer looks no further).
      for (let i = waiting.length - 1; i >= 0; i--) {
        const closed = waiting[i].closed;
        if (closed) waiting.splice(i, 1)[0].decide(ownerVerdict(closed, options.ownUid));
      }
    }
    for (const entry of waiting.splice(0)) entry.decide("remote");
  };
  /** Decides every waiting peer whose live socket these complete lines of `table` list. */
  const search = (waiting: Waiting[], table: "tcp" | "tcp6", lines: string) => {
    for (let i = waiting.length - 1; i >= 0; i--) {
      const entry = waiting[i];
      for (const needle of entry.needles) {
        if (needle.table !== table) continue;
        const owner = findSocket(lines, needle.local, needle.remote);
        if (!owner) continue;
        if (owner.inode !== 0) {
          waiting.splice(i, 1);
          entry.decide(ownerVerdict(owner, options.ownUid));
        } else entry.closed ??= owner;
      }
    }
  };
  const lookup = (socket: Socket): Promise<boolean> => {
    const { remoteAddress, remotePort, localAddress, localPort } = socket;
    if (!remoteAddress || !remotePort || !localAddress || !localPort) return Promise.resolve(false);
    const decided = new Promise<PeerVerdict | "remote">((decide) => {
      next.push({ needles: peerNeedles({ remoteAddress, remotePort, localAddress, localPort }), decide });
      walkSoon();
    }).then((verdict) => {
      // Not in the tables: the peer is another machine (possible only off loopback, with --insecure-no-auth).
      // A loopback peer is always listed while it holds its socket.
      if (verdict === "remote") {
        if (isLoopbackIp(remoteAddress)) {
          options.onRefused({ reason: "the client's socket is not listed", remoteAddress, remotePort });
          return false;
        }
        return true;
      }
      if (!verdict.allowed) options.onRefused({ uid: verdict.uid, reason: verdict.reason, remoteAddress, remotePort });
      return verdict.allowed;
    });
    verdicts.set(socket, decided);
    void decided.then((allowed) => verdicts.set(socket, allowed));
    return decided;
  };
  return {
    watch: (socket) => void lookup(socket),
    verdict: (socket) => verdicts.get(socket) ?? lookup(socket),
  };
}
