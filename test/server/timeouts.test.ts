// Requests have header and body time limits (a slow client cannot hold a socket), while event streams, whose
// request is received at once, stay open however long they run. A real listener, raw sockets, short limits.
import { rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/index.js";
import { type RunningServer, startServer } from "../../src/server/listen.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import { openIdleCore } from "../fakes/idle-core.js";

describe("request time limits on a real listener", () => {
  let dir: string;
  let store: SqliteStore;
  let core: Core;
  let server: RunningServer;
  let port: number;
  beforeEach(async () => {
    ({ dir, store, core } = await openIdleCore("timeouts", "1"));
    server = await startServer({
      core,
      version: "1",
      defaultDirectory: dir,
      hostname: "127.0.0.1",
      port: 0,
      headersTimeoutMs: 300,
      requestTimeoutMs: 600,
      heartbeatMs: 200,
    });
    port = Number(new URL(server.url).port);
  });
  afterEach(async () => {
    await server.close();
    await core.shutdown();
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens a raw connection, lets `drive` write to it, and reports what came back and whether it was closed. */
  function rawClient(drive: (socket: Socket) => void): {
    socket: Socket;
    received: () => string;
    closed: Promise<void>;
  } {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.on("data", (chunk) => {
      text += chunk;
    });
    socket.on("error", () => {});
    const closed = new Promise<void>((resolve) => socket.on("close", () => resolve()));
    socket.on("connect", () => drive(socket));
    return { socket, received: () => text, closed };
  }

  /** Writes `line` every 100 ms for as long as the socket is open. */
  function trickle(socket: Socket, line: string): void {
    const timer = setInterval(() => (socket.destroyed ? clearInterval(timer) : socket.write(line)), 100);
    socket.on("close", () => clearInterval(timer));
  }

  const withinMs = (promise: Promise<void>, ms: number) =>
    Promise.race([promise.then(() => "closed"), new Promise((resolve) => setTimeout(() => resolve("open"), ms))]);

  it("closes a connection whose headers never end (408)", async () => {
    const client = rawClient((socket) => {
      socket.write(`GET /session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
      trickle(socket, "X-Slow: still-coming\r\n");
    });
    expect(await withinMs(client.closed, 3000)).toBe("closed");
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes a connection whose body never ends (408)", async () => {
    const client = rawClient((socket) => {
      socket.write(
        `POST /session HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
      );
      trickle(socket, " ");
    });
    expect(await withinMs(client.closed, 3000)).toBe("closed");
    expect(client.received()).toMatch(/^HTTP\/1\.1 408/);
  });

  it("keeps an event stream open well past both limits, still delivering", async () => {
    const client = rawClient((socket) => socket.write(`GET /event HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
    expect(await withinMs(client.closed, 1500)).toBe("open");
    core.bus.publish("session.idle", { sessionID: "ses_late" }, { directory: dir });
    for (let i = 0; i < 50 && !client.received().includes("ses_late"); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(client.received()).toMatch(/^HTTP\/1\.1 200/);
    expect(client.received()).toContain("ses_late");
    client.socket.destroy();
  });

  it("serves an ordinary request sent at once", async () => {
    const response = await fetch(`${server.url}/session`, { method: "POST", body: "{}" });
    expect(response.status).toBe(200);
  });
});
