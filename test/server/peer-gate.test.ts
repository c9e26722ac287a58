// The peer gate's walks of the socket tables (src/server/peer-uid.ts): each walk costs the kernel a visit of every
// socket on the machine, so connections that arrive while one walk runs share the next one instead of starting a
// walk each (100 prompts at once took seconds, 1,000 SSE clients a walk each). The tables are files in a temp
// directory standing in for /proc/net; a FIFO holds a walk open for as long as the test wants.
import { execFileSync } from "node:child_process";
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createPeerGate, tableEndpoint } from "../../src/server/peer-uid.js";

const OWN_UID = 4242;
const SERVER = { localAddress: "127.0.0.1", localPort: 4096 };

/** A stand-in for an accepted socket: the gate reads only its two ends. */
const client = (port: number) => ({ ...SERVER, remoteAddress: "127.0.0.1", remotePort: port }) as unknown as Socket;

/** One /proc/net/tcp line for the client socket on `port` (its local end is the client, its remote the server). */
function line(sl: number, port: number, uid: number, inode: number): string {
  const local = tableEndpoint("127.0.0.1", port);
  const remote = tableEndpoint(SERVER.localAddress, SERVER.localPort);
  const state = inode === 0 ? "06" : "01";
  return `${String(sl).padStart(4)}: ${local} ${remote} ${state} 00000000:00000000 00:00000000 00000000 ${String(uid).padStart(5)}        0 ${inode} 1 0000000000000000 20 4 30 10 -1\n`;
}
const HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

let dir: string | undefined;
/** A FIFO a walk may still be opening: opened for writing and closed until no reader waits on it. */
let fifoToRelease: string | undefined;
afterEach(async () => {
  // A walk blocked opening the FIFO holds a thread of libuv's pool; four of them would stall the worker.
  for (let i = 0; fifoToRelease && i < 200; i++) {
    try {
      closeSync(openSync(fifoToRelease, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  fifoToRelease = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Writes `text` to the FIFO once the gate has opened it for reading (bounded: 5 s). */
async function feed(fifo: string, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    let fd: number | undefined;
    try {
      // Non-blocking: fails (ENXIO) while no walk has the FIFO open, instead of hanging the test.
      fd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENXIO" || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5));
      continue;
    }
    writeSync(fd, text);
    closeSync(fd);
    return;
  }
}

describe("the peer gate's walks of the socket tables", () => {
  it("connections accepted while a walk runs wait for one shared next walk, not a walk each", async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-peer-gate-"));
    const fifo = join(dir, "tcp");
    execFileSync("mkfifo", [fifo]);
    fifoToRelease = fifo;
    const walks: number[] = [];
    const gate = createPeerGate({
      ownUid: OWN_UID,
      procNet: dir,
      onRefused: () => {},
      onScan: (connections) => walks.push(connections),
    });
    const ports = [40001, 40002, 40003, 40004, 40005, 40006];
    const sockets = ports.map(client);
    const table = HEADER + ports.map((port, i) => line(i, port, OWN_UID, 1000 + i)).join("");
    gate.watch(sockets[0]);
    // The first walk is now waiting on the FIFO; the others arrive one turn of the event loop apart.
    for (const socket of sockets.slice(1)) {
      await nextTurn();
      gate.watch(socket);
    }
    await nextTurn();
    expect(walks).toEqual([1]);
    await feed(fifo, table);
    expect(await gate.verdict(sockets[0])).toBe(true);
    // Fed once the next walk has begun: the first walk's handle is closed by then, so the text is not lost to it.
    while (walks.length < 2) await nextTurn();
    await feed(fifo, table);
    expect(await Promise.all(sockets.map((socket) => gate.verdict(socket)))).toEqual(sockets.map(() => true));
    expect(walks).toEqual([1, 5]);
  }, 10_000);

  it("reads a table larger than one read in pieces: a line cut between two reads, a closed twin before a live socket", async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-peer-gate-"));
    let table = HEADER;
    // The live socket of 50001 follows its TIME_WAIT twin by far more than one read (32 KB).
    table += line(1, 50001, 0, 0);
    let sl = 2;
    while (table.length < 600_000) table += line(sl++, 10_000 + (sl % 20_000), 999, 7000 + sl);
    table += line(sl++, 50001, OWN_UID, 77);
    // Past the last read boundary: another user's socket, and a socket seen only closed.
    table += line(sl++, 50002, 999, 78);
    table += line(sl++, 50003, 0, 0);
    writeFileSync(join(dir, "tcp"), table);
    const refused: { uid?: number; reason: string }[] = [];
    const gate = createPeerGate({ ownUid: OWN_UID, procNet: dir, onRefused: (details) => refused.push(details) });
    const [live, other, closed, absent] = [50001, 50002, 50003, 50004].map(client);
    for (const socket of [live, other, closed, absent]) gate.watch(socket);
    expect(await gate.verdict(live)).toBe(true);
    expect(await gate.verdict(other)).toBe(false);
    expect(await gate.verdict(closed)).toBe(false);
    expect(await gate.verdict(absent)).toBe(false);
    expect(refused).toHaveLength(3);
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ remotePort: 50002, uid: 999, reason: expect.stringMatching(/another local user/) }),
        expect.objectContaining({ remotePort: 50003, reason: expect.stringMatching(/closed/) }),
        expect.objectContaining({ remotePort: 50004, reason: expect.stringMatching(/not listed/) }),
      ]),
    );
  });

  it("finds a peer whose line is cut between two reads", async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-peer-gate-"));
    const CHUNK = 32 * 1024;
    let table = HEADER;
    let sl = 1;
    const filler = () => line(sl++, 10_000 + sl, 999, 7000 + sl);
    // Filler lines until the peer's line, next, straddles the 32 KB boundary of the first read.
    while (table.length + line(0, 50009, OWN_UID, 1).length <= CHUNK) table += filler();
    const peer = line(sl++, 50009, OWN_UID, 91);
    expect(table.length < CHUNK && table.length + peer.length > CHUNK).toBe(true);
    table += peer + filler();
    writeFileSync(join(dir, "tcp"), table);
    const gate = createPeerGate({ ownUid: OWN_UID, procNet: dir, onRefused: () => {} });
    const socket = client(50009);
    gate.watch(socket);
    expect(await gate.verdict(socket)).toBe(true);
  });
});
