// Serves the app on TCP (optionally TLS) or a Unix socket. Secure by default: a non-loopback bind needs a
// password unless --insecure-no-auth; on loopback the Host header is checked.
import { chmodSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import { createMoorApp } from "./app.js";
import { answerClientError, answerUnparsableRequest } from "./client-error.js";
import type { ServerDeps } from "./context.js";
import { isLoopbackAddress } from "./guard.js";

export interface ListenOptions extends ServerDeps {
  hostname: string;
  port: number;
  socket?: string;
  tls?: { cert: string; key: string };
  insecureNoAuth?: boolean;
  mdns?: boolean;
  mdnsDomain?: string;
}

export interface RunningServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const DEFAULT_PORT = 4096;

export async function startServer(options: ListenOptions): Promise<RunningServer> {
  const loopback = !options.socket && isLoopbackAddress(options.hostname);
  if (!options.socket && !loopback && !options.auth) {
    if (!options.insecureNoAuth) {
      throw new Error(
        `refusing to listen on ${options.hostname} without a password: set MOOR_SERVER_PASSWORD, or pass --insecure-no-auth`,
      );
    }
    options.logger?.warn(
      { hostname: options.hostname },
      "listening off loopback WITHOUT authentication (--insecure-no-auth)",
    );
    process.stderr.write(`moor: warning: listening on ${options.hostname} without authentication\n`);
  }
  if (options.mdns && (loopback || options.socket)) {
    throw new Error("--mdns needs a non-loopback --hostname (e.g. 0.0.0.0) and a password");
  }
  const moor = createMoorApp({ ...options, enforceLoopbackHost: loopback });
  const listener = getRequestListener(moor.app.fetch, { errorHandler: answerUnparsableRequest });
  const server: Server = options.tls
    ? (createHttpsServer(
        { cert: readFileSync(options.tls.cert), key: readFileSync(options.tls.key) },
        listener,
      ) as unknown as Server)
    : createHttpServer(listener);
  // Long-lived SSE responses must not be cut by Node's request timeouts.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.on("clientError", answerClientError);

  let url: string;
  if (options.socket) {
    rmSync(options.socket, { force: true });
    await listen(server, { path: options.socket });
    chmodSync(options.socket, 0o600);
    url = `unix:${options.socket}`;
  } else {
    let port = options.port;
    try {
      await listen(server, { port, host: options.hostname });
    } catch (error) {
      // The default port being taken is not an error: another free port is used and printed.
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || port !== DEFAULT_PORT)
        throw listenError(error, options);
      port = 0;
      await listen(server, { port, host: options.hostname }).catch((again) => {
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

function listenError(error: unknown, options: ListenOptions): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const where = options.socket ?? `${options.hostname}:${options.port}`;
  if (code === "EADDRINUSE") return new Error(`${where} is already in use`);
  if (code === "EACCES") return new Error(`no permission to listen on ${where}`);
  if (code === "EADDRNOTAVAIL" || code === "ENOTFOUND")
    return new Error(`cannot listen on ${where}: address not available`);
  return new Error(`cannot listen on ${where}: ${(error as Error).message}`);
}
