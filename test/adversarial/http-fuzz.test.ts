// Property-based fuzzing of the HTTP API (fast-check): hostile ids, query strings, headers and bodies on every
// route /doc lists, first through app.request(), then against a real `moor serve` on loopback. Every answer is a
// success or a 4xx with {error:{code,message}}, never a 5xx, and the server still answers /global/health after.
// On a failure fast-check prints the seed and path that reproduce it (pass them back as `{ seed, path }`).
import { rmSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect } from "node:net";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/index.js";
import { createMoorApp } from "../../src/server/app.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { openIdleCore } from "../fakes/idle-core.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import {
  type Answer,
  type HostileRequest,
  hostileRequest,
  judge,
  type KnownIds,
  type RouteTemplate,
  routesFromDoc,
} from "./hostile-http.js";

/** Bounded so the file takes seconds; FUZZ_RUNS=5000 for a longer hunt. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const TIMEOUT_MS = Math.max(30_000, RUNS * 20);

type Send = (request: HostileRequest) => Promise<Answer>;

/** Creates a session with one message in it, so requests can name ids that exist. */
async function seed(send: Send): Promise<KnownIds> {
  const created = await send({ method: "POST", path: "/session", headers: {}, body: "{}" });
  const sessionID = (JSON.parse(created.text) as { id: string }).id;
  const prompted = await send({
    method: "POST",
    path: `/session/${sessionID}/message`,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ parts: [{ type: "text", text: "hello" }] }),
  });
  const messageID = (JSON.parse(prompted.text) as { info: { id: string } }).info.id;
  return { sessionID, messageID };
}

async function routes(send: Send): Promise<RouteTemplate[]> {
  const doc = JSON.parse((await send({ method: "GET", path: "/doc", headers: {} })).text);
  const found = routesFromDoc(doc);
  // The routes a client mutates state with must all be there; a route added later is fuzzed without a change here.
  expect(found).toEqual(
    expect.arrayContaining([
      { method: "POST", path: "/session" },
      { method: "PATCH", path: "/session/:sessionID" },
      { method: "POST", path: "/session/:sessionID/message" },
      { method: "POST", path: "/session/:sessionID/prompt_async" },
      { method: "POST", path: "/session/:sessionID/fork" },
      { method: "POST", path: "/permission/:requestID/reply" },
      { method: "POST", path: "/session/:sessionID/permissions/:permissionID" },
    ]),
  );
  return found;
}

async function fuzz(send: Send, numRuns: number): Promise<void> {
  const known = await seed(send);
  const property = fc.asyncProperty(hostileRequest(await routes(send), known), async (request) => {
    const problem = judge(request, await send(request));
    if (problem) throw new Error(problem);
  });
  await fc.assert(property, { numRuns, endOnFailure: true });
  const health = await send({ method: "GET", path: "/global/health", headers: {} });
  expect(health.status).toBe(200);
  expect(JSON.parse(health.text)).toMatchObject({ healthy: true });
}

describe("HTTP fuzz through app.request()", () => {
  let dir: string;
  let store: SqliteStore;
  let core: Core;
  let send: Send;
  beforeAll(async () => {
    ({ dir, store, core } = await openIdleCore("fuzz", "1"));
    // A lower body limit than the default 10 MB, so the large bodies also exercise the 413 path.
    // What the app logs as an unhandled error goes into the failure message: the 500's cause, found at once.
    const logged: unknown[] = [];
    const logger = { info() {}, warn() {}, debug() {}, error: (entry: unknown) => logged.push(entry) };
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir, maxBodyBytes: 256 * 1024, logger });
    send = async (request) => {
      const response = await app.request(request.path, {
        method: request.method,
        headers: request.headers,
        body: request.body,
      });
      const text = await response.text();
      const cause = response.status >= 500 ? ` (logged: ${(logged.at(-1) as { err?: Error })?.err?.stack})` : "";
      return { status: response.status, text: text + cause };
    };
  });
  afterAll(async () => {
    await core.sessions.shutdown();
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "answers hostile requests on every route with a success or a 4xx {error:{code,message}}, never a 5xx",
    async () => {
      await fuzz(send, RUNS);
    },
    TIMEOUT_MS,
  );

  it("answers any Last-Event-ID on /event with a stream that starts with server.connected", async () => {
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    const latin1 = fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).map((c) => String.fromCharCode(c)) });
    const lastEventId = fc.oneof(
      latin1,
      fc.constantFrom("-", "-1", "x-", "-5", `${core.bus.epoch}-`, `${core.bus.epoch}-999999999999`),
      fc.nat().map((seq) => `${core.bus.epoch}-${seq}`),
      fc.tuple(latin1, fc.integer()).map(([epoch, seq]) => `${epoch}-${seq}`),
    );
    await fc.assert(
      fc.asyncProperty(lastEventId, fc.boolean(), async (id, asQuery) => {
        const path = asQuery ? `/event?lastEventId=${encodeURIComponent(id)}` : "/event";
        const response = await app.request(path, { headers: asQuery ? {} : { "last-event-id": id } });
        expect(response.status).toBe(200);
        const reader = (response.body as ReadableStream<Uint8Array>).getReader();
        let text = "";
        while (!text.includes("server.connected")) {
          const { value, done } = await reader.read();
          if (done) break;
          text += new TextDecoder().decode(value);
        }
        await reader.cancel();
        expect(text).toContain('"type":"server.connected"');
      }),
      { numRuns: 100 },
    );
  });
});

describe("HTTP fuzz against a real `moor serve` on loopback", () => {
  let llm: FakeLlm;
  let home: TempHome;
  let server: ServeHandle;
  let send: Send;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  beforeAll(async () => {
    llm = await startFakeLlm();
    home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    const url = new URL(server.url);
    send = (request) =>
      new Promise((resolve, reject) => {
        // node:http refuses raw characters outside printable ASCII in a path; a browser would percent-encode them.
        const path = request.path.replace(/[^\x21-\x7e]/gu, (char) =>
          encodeURIComponent(/[\ud800-\udfff]/.test(char) ? "\ufffd" : char),
        );
        // A declared length always: node:http sends a DELETE's body unframed, which the server reads as a next request.
        const headers = { ...request.headers };
        if (request.body !== undefined) headers["content-length"] = String(Buffer.byteLength(request.body));
        const req = httpRequest(
          { host: url.hostname, port: url.port, method: request.method, path, headers, agent },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (chunk: Buffer) => chunks.push(chunk));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
            res.on("error", reject);
          },
        );
        req.on("error", reject);
        req.end(request.body);
      });
  });
  afterAll(async () => {
    agent.destroy();
    await server?.stop("SIGKILL");
    await llm?.close();
    rmSync(home.root, { recursive: true, force: true });
  });

  it("answers what Node's HTTP parser rejects (oversized headers, garbage) with {error:{code,message}} too", async () => {
    const { port } = new URL(server.url);
    // Written without closing our side: Node's server aborts a request whose client half-closes before the
    // (asynchronous) peer check has let it through. Done once a whole response (headers and body) has arrived.
    const raw = (bytes: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), "127.0.0.1", () => socket.write(bytes));
        let text = "";
        const complete = () => {
          const end = text.indexOf("\r\n\r\n");
          const length = /content-length: (\d+)/i.exec(text.slice(0, end));
          return end >= 0 && length !== null && Buffer.byteLength(text.slice(end + 4)) >= Number(length[1]);
        };
        socket.on("data", (chunk) => {
          text += chunk;
          if (complete()) socket.destroy();
        });
        socket.on("close", () => resolve(text));
        socket.on("error", reject);
      });
    const long = await raw(`GET /session/${"x".repeat(20_000)} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect(long).toMatch(/^HTTP\/1.1 431 /);
    expect(JSON.parse(long.slice(long.indexOf("\r\n\r\n") + 4)).error.code).toBe("bad_request");
    const backslash = await raw(`GET /session/a\\b HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    expect(backslash).toMatch(/^HTTP\/1.1 400 /);
    expect(JSON.parse(backslash.slice(backslash.indexOf("\r\n\r\n") + 4)).error.message).toMatch(/Backslash/);
    const garbage = await raw("\u0001\u0002 not http at all\r\n\r\n");
    expect(garbage).toMatch(/^HTTP\/1.1 400 /);
    expect(JSON.parse(garbage.slice(garbage.indexOf("\r\n\r\n") + 4)).error.message).toMatch(/not valid HTTP/);
  });

  it(
    "answers hostile requests with a success or a 4xx {error:{code,message}}, and keeps running",
    async () => {
      await fuzz(send, RUNS);
      expect(server.child.exitCode).toBeNull();
      expect(server.child.output().stdout).not.toMatch(/\n\s+at /);
    },
    TIMEOUT_MS,
  );
});
