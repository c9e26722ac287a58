// Serves the app on TCP (optionally TLS) or a Unix socket. Secure by default: a non-loopback bind needs a
// password unless --insecure-no-auth (loopback is judged on the IP the name resolves to and is bound, never on
// the name's text); on loopback the Host header is checked; without a password only the server's own user (and
// root) may connect; requests get header and body time limits.
import { chmodSync, lstatSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect, isIP, type Socket } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createMoorApp } from "./app.js";
import { answerClientError, answerUnparsableRequest } from "./client-error.js";
import type { ServerDeps } from "./context.js";
import { isLoopbackIp } from "./guard.js";
import { createPeerGate, type PeerGate, peerTablesReadable } from "./peer-uid.js";

export interface ListenOptions extends ServerDeps {
  hostname: string;
  port: number;
  socket?: string;
  tls?: { cert: string; key: string };
  insecureNoAuth?: boolean;
  mdns?: boolean;
  mdnsDomain?: string;
  /** How long a client may take to send a request's headers (default 10 s). */
  headersTimeoutMs?: number;
  /**
   * How long it may take to send the whole request, body included (default 30 s). Node counts only the receiving:
   * a response may take as long as it needs, so event streams (and long synchronous turns) stay open.
   */
  requestTimeoutMs?: number;
  /** Where the kernel's socket tables are read (default /proc/net); see peer-uid.ts. */
  procNet?: string;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const DEFAULT_PORT = 4096;
/** Below this, a password off loopback is guessable over the network; said at start, not refused. */
const SHORT_PASSWORD = 12;

export async function startServer(options: ListenOptions): Promise<RunningServer> {
  const warn = (line: string, fields: Record<string, unknown> = {}) => {
    options.logger?.warn(fields, line);
    process.stderr.write(`moor: warning: ${line}\n`);
  };
  if (options.auth && options.cors?.includes("*")) {
    throw new Error(
      "--cors '*' cannot be used with a password: any web page could use the server with a visitor's credentials; list the allowed origins instead",
    );
  }
  const bindIp = options.socket ? undefined : await resolveBind(options.hostname);
  const loopback = bindIp !== undefined && isLoopbackIp(bindIp);
  if (bindIp !== undefined && !loopback && !options.auth) {
    if (!options.insecureNoAuth) {
      throw new Error(
        `refusing to listen on ${describeBind(options.hostname, bindIp)} without a password: set MOOR_SERVER_PASSWORD, or pass --insecure-no-auth`,
      );
    }
    warn(`listening on ${describeBind(options.hostname, bindIp)} without authentication`, {
      hostname: options.hostname,
    });
  }
  if (bindIp !== undefined && !loopback && options.auth && options.auth.password.length < SHORT_PASSWORD) {
    warn(
      `the server password is shorter than ${SHORT_PASSWORD} characters and the server is reachable from the network; use a longer one`,
    );
  }
  if (options.mdns && (loopback || options.socket)) {
    throw new Error("--mdns needs a non-loopback --hostname (e.g. 0.0.0.0) and a password");
  }
  if (options.cors?.includes("*") && !options.auth) {
    warn("--cors '*' lets any web page open in a browser on this machine use this password-less server");
  }
  const peerGate = options.socket || options.auth ? undefined : openPeerGate(options);
  const moor = createMoorApp({ ...options, enforceLoopbackHost: loopback });
  const listener = getRequestListener(moor.app.fetch, { errorHandler: answerUnparsableRequest });
  const serve = peerGate ? gated(peerGate, listener) : listener;
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const requestTimeout = Math.max(headersTimeout, options.requestTimeoutMs ?? 30_000);
  // Node checks the limits on this period (30 s by default, which would let a slow client keep a socket ~3x as
  // long as the limit says).
  const timing = {
    connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(headersTimeout / 4))),
    headersTimeout,
    requestTimeout,
    // Node's own answer to an HTTP/1.1 request without a Host is a 400 with no body; node-server refuses such a
    // request too (answerUnparsableRequest), with the `{error:{code,message}}` body every client mistake gets.
    requireHostHeader: false,
  };
  const server: Server = options.tls
    ? (createHttpsServer(
        {
          cert: readFileSync(options.tls.cert),
          key: readFileSync(options.tls.key),
          handshakeTimeout: headersTimeout,
          ...timing,
        },
        serve,
      ) as unknown as Server)
    : createHttpServer(timing, serve);
  // The request's time limits end once it is received; a response (an event stream) is never cut by them.
  server.headersTimeout = headersTimeout;
  server.requestTimeout = requestTimeout;
  if (peerGate) server.on(options.tls ? "secureConnection" : "connection", (socket: Socket) => peerGate.watch(socket));
  server.on("clientError", answerClientError);

  let url: string;
  if (options.socket) {
    await removeStaleSocket(options.socket);
    await listen(server, { path: options.socket }).catch((error) => {
      throw listenError(error, options);
    });
    chmodSync(options.socket, 0o600);
    url = `unix:${options.socket}`;
  } else {
    let port = options.port;
    try {
      await listen(server, { port, host: bindIp });
    } catch (error) {
      // The default port being taken is not an error: another free port is used and printed.
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || port !== DEFAULT_PORT)
        throw listenError(error, options);
      port = 0;
      await listen(server, { port, host: bindIp }).catch((again) => {
        throw listenError(again, options);
      });
    }
    const address = server.address() as AddressInfo;
    const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
    url = `${options.tls ? "https" : "http"}://${host}:${address.port}`;
  }

  const sockets = new Set<import("node:net").Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  let unpublish: (() => Promise<void>) | undefined;
  if (options.mdns) {
    const { publishMdns } = await import("./mdns.js");
    unpublish = await publishMdns({
      port: (server.address() as AddressInfo).port,
      domain: options.mdnsDomain ?? "moor.local",
      tls: Boolean(options.tls),
    });
  }

  return {
    url,
    server,
    close: async () => {
      await unpublish?.();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      moor.endStreams("server shutting down");
      // Give the last frames a moment to flush, then drop idle keep-alive connections.
      await new Promise((resolve) => setTimeout(resolve, 50));
      server.closeIdleConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
      if (options.socket) rmSync(options.socket, { force: true });
    },
  };
}

/**
 * The IP the server binds for `hostname`: the name's first address, as Node's own listen would pick. It is bound
 * as an IP, so a second lookup cannot answer differently from the one loopback was judged on.
 */
async function resolveBind(hostname: string): Promise<string> {
  if (isIP(hostname)) return hostname;
  try {
    // Loaded only for a name: the default bind is an IP, and the resolver's module stays out of a plain start.
    const { lookup } = await import("node:dns/promises");
    const [first] = await lookup(hostname, { all: true });
    if (first) return first.address;
  } catch {
    // Said below.
  }
  throw new Error(`cannot listen on ${hostname}: the name does not resolve to an address`);
}

function describeBind(hostname: string, ip: string): string {
  return hostname === ip ? ip : `${hostname} (${ip})`;
}

/** Without a password: only the server's own user (and root) may connect, where the kernel tells who connects. */
function openPeerGate(options: ListenOptions): PeerGate | undefined {
  const ownUid = process.geteuid?.();
  if (ownUid === undefined || !peerTablesReadable(options.procNet)) {
    process.stderr.write(
      "moor: notice: cannot tell which local user opens a connection here, so every account on this machine can use this password-less server; set MOOR_SERVER_PASSWORD on a shared machine\n",
    );
    options.logger?.warn({}, "peer user unknown: every local account can use this password-less server");
    return undefined;
  }
  return createPeerGate({
    ownUid,
    procNet: options.procNet,
    onRefused: (details) =>
      options.logger?.warn({ ...details, ownUid }, "refused a connection: not from this server's user"),
  });
}

/** Serves a request only once its connection's peer is known to be allowed; 403 otherwise. */
function gated(
  gate: PeerGate,
  listener: (req: IncomingMessage, res: ServerResponse) => unknown,
): (req: IncomingMessage, res: ServerResponse) => void {
  const refuse = (res: ServerResponse) => {
    const body = JSON.stringify({
      error: {
        code: "forbidden",
        message:
          "this server has no password and serves only the user running it; set MOOR_SERVER_PASSWORD to share it",
      },
    });
    res.writeHead(403, { "content-type": "application/json", connection: "close" }).end(body);
  };
  return (req, res) => {
    const verdict = gate.verdict(req.socket);
    if (verdict === true) void listener(req, res);
    else if (verdict === false) refuse(res);
    else void verdict.then((allowed) => (allowed ? listener(req, res) : refuse(res)));
  };
}

function listen(server: Server, target: { port?: number; host?: string; path?: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(target);
  });
}

/**
 * A socket a killed server left behind is removed, so the path can be listened on again; one that a live server
 * answers on is refused (unlinking it would take its clients over, and leave it serving nobody). Only a refused
 * connection proves the socket stale: anything else (no permission to connect, no answer) leaves it alone.
 */
async function removeStaleSocket(path: string): Promise<void> {
  // Anything else at the path (a file, a directory) is never removed: listening there fails as "in use".
  if (!lstatSync(path, { throwIfNoEntry: false })?.isSocket()) return;
  const outcome = await new Promise<"answered" | NodeJS.ErrnoException>((resolve) => {
    const probe = connect({ path });
    probe.setTimeout(SOCKET_PROBE_TIMEOUT_MS, () => {
      probe.destroy();
      resolve(Object.assign(new Error("no answer"), { code: "ETIMEDOUT" }));
    });
    probe.once("connect", () => {
      probe.destroy();
      resolve("answered");
    });
    probe.once("error", (error) => resolve(error));
  });
  if (outcome === "answered") {
    throw new Error(`${path} is already in use: a server answers on it (stop that one, or give another --socket)`);
  }
  if (outcome.code === "ENOENT") return;
  if (outcome.code !== "ECONNREFUSED") {
    throw new Error(
      `cannot tell whether a server uses the socket ${path} (${outcome.code ?? outcome.message}); left as it is`,
    );
  }
  rmSync(path, { force: true });
}

/** A Unix socket connects or is refused at once; a listener that takes this long is alive but stuck. */
const SOCKET_PROBE_TIMEOUT_MS = 2000;

function listenError(error: unknown, options: ListenOptions): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = options.socket ?? `${options.hostname}:${options.port}`;
  if (code === "EADDRINUSE") return new Error(`${where} is already in use`);
  if (code === "EACCES") return new Error(`no permission to listen on ${where}`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new Error(`cannot listen on ${where}: address not available`);
  return new Error(`cannot listen on ${where}: ${(error as Error).message}`);
}
