import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, statSync } from "node:fs";
import { request } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { readSse, type ServeHandle, type SseItem, startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" } });
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const json = { "content-type": "application/json" };
const seqOf = (item: SseItem) => Number(item.id?.split("-").at(-1));

async function createSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const response = await fetch(`${url}/session`, { method: "POST", headers: { ...json, ...headers }, body: "{}" });
  return ((await response.json()) as { id: string }).id;
}

function healthOverSocket(socket: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath: socket, path: "/global/health", headers: { host: "localhost" } }, (res) => {
      let text = "";
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve(text));
    })
      .on("error", reject)
      .end();
  });
}

describe("moor serve against real clients", () => {
  it("works with OpenCode's SDK: create, subscribe, prompt, list messages", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "hello from moor" });
    const client = createOpencodeClient({ baseUrl: server.url });
    const session = (await client.session.create({ body: { title: "sdk" } })).data!;
    expect(session.id).toMatch(/^ses_/);
    const events = await client.event.subscribe();
    const seen: string[] = [];
    const collecting = (async () => {
      for await (const event of events.stream) {
        seen.push(event.type);
        if (event.type === "session.idle") break;
      }
    })();
    const reply = await client.session.prompt({
      path: { id: session.id },
      body: { parts: [{ type: "text", text: "hi" }] },
    });
    expect(reply.data?.parts.some((part) => part.type === "text" && part.text === "hello from moor")).toBe(true);
    await collecting;
    expect(seen).toContain("message.part.delta");
    expect(seen).toContain("session.idle");
    const messages = (await client.session.messages({ path: { id: session.id } })).data!;
    expect(messages.map((m) => m.info.role)).toEqual(["user", "assistant"]);
  });

  it("a seed-style client with Basic auth sees the server running and reads the turn's events from data: lines", async () => {
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: "s3cret" }, [], home.project);
    const auth = { authorization: `Basic ${Buffer.from(":s3cret").toString("base64")}` };
    const page = await fetch(`${server.url}/`, { headers: auth });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/moor/i);
    expect((await fetch(`${server.url}/api/sessions`, { headers: auth })).status).toBe(200);
    const sessionID = await createSession(server.url, auth);
    llm.script({ text: "streamed words here" });
    const reading = watchSse(`${server.url}/event`, {
      headers: auth,
      until: (items) => items.some((i) => i.event.type === "session.idle"),
    });
    await reading.connected;
    await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
      method: "POST",
      headers: { ...json, ...auth },
      body: JSON.stringify({ parts: [{ type: "text", text: "go" }] }),
    });
    const items = await reading.done;
    const text = items
      .filter((i) => i.event.type === "message.part.delta")
      .map((i) => i.event.properties.delta)
      .join("");
    expect(text).toBe("streamed words here");
    expect(items.every((i) => i.id)).toBe(true);
  });

  it("reconnecting with Last-Event-ID mid-turn loses and repeats nothing; after a restart it gets server.resync", async () => {
    server = await startServe(home.env, [], home.project);
    const sessionID = await createSession(server.url);
    llm.script({ text: "w ".repeat(60), delayMs: 15 });
    const done = (items: SseItem[]) => items.some((i) => i.event.type === "session.idle");
    const reference = watchSse(`${server.url}/event`, { until: done });
    const firstLeg = watchSse(`${server.url}/event`, {
      until: (items) => items.filter((i) => i.event.type === "message.part.delta").length >= 10,
    });
    await Promise.all([reference.connected, firstLeg.connected]);
    await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "x" }] }),
    });
    const first = await firstLeg.done;
    await new Promise((resolve) => setTimeout(resolve, 150));
    const lastId = first.at(-1)!.id!;
    const second = await readSse(`${server.url}/event`, { headers: { "last-event-id": lastId }, until: done });
    const all = await reference.done;
    const busEvents = (items: SseItem[]) => items.filter((i) => !i.event.type.startsWith("server.")).map(seqOf);
    const resumed = [...busEvents(first), ...busEvents(second)];
    expect(resumed).toEqual(busEvents(all));
    expect(new Set(resumed).size).toBe(resumed.length);

    await server.stop();
    server = await startServe(home.env, [], home.project);
    const afterRestart = await readSse(`${server.url}/event`, {
      headers: { "last-event-id": lastId },
      until: (items) => items.some((i) => i.event.type === "server.resync"),
    });
    expect(afterRestart.map((i) => i.event.type)).toContain("server.resync");
  });

  it("two clients prompting one session at once: both turns run in turn, and both clients see both in the same order", async () => {
    server = await startServe(home.env, [], home.project);
    const sessionID = await createSession(server.url);
    llm.script({ text: "first answer", delayMs: 20 }, { text: "second answer", delayMs: 5 });
    const twoIdle = (items: SseItem[]) =>
      items.filter(
        (i) =>
          i.event.type === "message.updated" &&
          (i.event.properties.info as { role: string; time: { completed?: number } }).role === "assistant" &&
          (i.event.properties.info as { time: { completed?: number } }).time.completed,
      ).length >= 2 && items.at(-1)?.event.type === "session.idle";
    const watcherA = watchSse(`${server.url}/event`, { until: twoIdle });
    const watcherB = watchSse(`${server.url}/event`, { until: twoIdle });
    await Promise.all([watcherA.connected, watcherB.connected]);
    const send = (text: string) =>
      fetch(`${server!.url}/session/${sessionID}/message`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ parts: [{ type: "text", text }] }),
      }).then((r) => r.json());
    const [a, b] = await Promise.all([send("one"), send("two")]);
    expect([a, b].every((reply) => reply.info.role === "assistant")).toBe(true);
    const [seenA, seenB] = await Promise.all([watcherA.done, watcherB.done]);
    const busEvents = (items: SseItem[]) => items.filter((i) => !i.event.type.startsWith("server.")).map(seqOf);
    expect(busEvents(seenA)).toEqual(busEvents(seenB));
    const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as {
      info: { role: string };
      parts: { type: string; text?: string }[];
    }[];
    const texts = messages.map((m) =>
      m.parts
        .filter((p) => p.type === "text")
        .map((p) => p.text)
        .join(""),
    );
    expect(texts).toEqual(["one", "first answer", "two", "second answer"]);
  });

  it("holds each refusal of the edge", async () => {
    const noPassword = await runMoor(["serve", "--hostname", "0.0.0.0", "--port", "0"], { env: home.env });
    expect(noPassword.code).not.toBe(0);
    expect(noPassword.stderr).toMatch(/^moor: refusing to listen on 0\.0\.0\.0 without a password/);

    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: "right" }, [], home.project);
    const bad = await fetch(`${server.url}/session`, {
      headers: { authorization: `Basic ${Buffer.from("x:wrong").toString("base64")}` },
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("www-authenticate")).toMatch(/^Basic/);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
    const good = { authorization: `Basic ${Buffer.from("any:right").toString("base64")}` };
    expect((await fetch(`${server.url}/session?auth_token=right`)).status).toBe(200);
    const foreign = await fetch(`${server.url}/session`, { headers: { ...good, origin: "https://evil.example" } });
    expect(foreign.status).toBe(403);
    const port = new URL(server.url).port;
    const rebinding = await new Promise<number>((resolve) => {
      request(
        { host: "127.0.0.1", port, path: "/session", headers: { ...good, host: `attacker.example:${port}` } },
        (res) => resolve(res.statusCode!),
      ).end();
    });
    expect(rebinding).toBe(403);
    const malformed = await fetch(`${server.url}/session`, {
      method: "POST",
      headers: { ...good, ...json },
      body: "{nope",
    });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("invalid_json");
    const sessionID = await createSession(server.url, good);
    const wrongType = await fetch(`${server.url}/session/${sessionID}/message`, {
      method: "POST",
      headers: { ...good, ...json },
      body: JSON.stringify({ parts: "hi" }),
    });
    expect(wrongType.status).toBe(400);
    expect(((await wrongType.json()) as { error: { message: string } }).error.message).toMatch(/parts/);
    const unknown = await fetch(`${server.url}/session/ses_nope/message`, { headers: good });
    expect(unknown.status).toBe(404);
    const huge = await fetch(`${server.url}/session`, {
      method: "POST",
      headers: { ...good, ...json },
      body: JSON.stringify({ title: "x".repeat(11 * 1024 * 1024) }),
    });
    expect(huge.status).toBe(413);
    expect((await fetch(`${server.url}/global/health`, { headers: good })).status).toBe(200);
  });

  it("an origin allowed with --cors gets CORS headers on the API and on the event stream", async () => {
    const origin = "https://editor.example";
    server = await startServe(home.env, ["--cors", origin], home.project);
    const listed = await fetch(`${server.url}/session`, { headers: { origin } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get("access-control-allow-origin")).toBe(origin);
    // A cross-origin page can read the event id a message snapshot was taken at, so its join is exact.
    expect(listed.headers.get("access-control-expose-headers")).toBe("x-moor-event-id");
    const controller = new AbortController();
    const events = await fetch(`${server.url}/global/event`, { headers: { origin }, signal: controller.signal });
    expect(events.status).toBe(200);
    expect(events.headers.get("content-type")).toBe("text/event-stream");
    expect(events.headers.get("access-control-allow-origin")).toBe(origin);
    expect(events.headers.get("access-control-allow-credentials")).toBe("true");
    const reader = events.body!.getReader();
    let text = "";
    while (!text.includes("server.connected")) text += new TextDecoder().decode((await reader.read()).value);
    expect(text).toMatch(/data: \{"directory":"global","payload":\{"type":"server.connected"/);
    controller.abort();
  });

  it("replays a long missed stretch at once, without taking the burst for a slow client", async () => {
    server = await startServe(home.env, [], home.project);
    const sessionID = await createSession(server.url);
    const [connected] = await readSse(`${server.url}/event`, { until: (items) => items.length > 0 });
    const tokens = 15_000;
    llm.script({ text: "w ".repeat(tokens) });
    await fetch(`${server.url}/session/${sessionID}/message`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "talk while nobody listens" }] }),
    });
    const replayed = await readSse(`${server.url}/event`, {
      headers: { "last-event-id": connected.id! },
      until: (items) => items.some((i) => i.event.type === "session.idle" || i.event.type === "server.resync"),
      timeoutMs: 30_000,
    });
    expect(replayed.some((i) => i.event.type === "server.resync")).toBe(false);
    const text = replayed
      .filter((i) => i.event.type === "message.part.delta")
      .map((i) => (i.event.properties as { delta: string }).delta)
      .join("");
    expect(text).toBe("w ".repeat(tokens));
  }, 60_000);

  it("disconnects an event client that stops reading instead of queueing for it without bound", async () => {
    server = await startServe(home.env, ["--print-logs", "--log-level", "DEBUG"], home.project);
    const sessionID = await createSession(server.url);
    const { port } = new URL(server.url);
    // A client that sends its request and never reads: the kernel's buffers fill (a few MB), then the server's.
    const stuck = connect(Number(port), "127.0.0.1");
    stuck.on("error", () => {});
    stuck.write(`GET /event HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    stuck.pause();
    llm.script({ text: "w ".repeat(60_000) });
    await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "talk" }] }),
    });
    await waitForOutput(server.child, (_, stderr) => /"reason":"client too slow: \d+ KB waiting/.test(stderr), 30_000);
    // The turn itself is unaffected.
    for (;;) {
      const statuses = (await (await fetch(`${server.url}/session/status`)).json()) as Record<string, unknown>;
      if (!statuses[sessionID]) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as MessageWithParts[];
    const last = messages.at(-1)?.info;
    expect(last?.role === "assistant" && last.finish).toBe("stop");
    stuck.destroy();
  }, 60_000);

  it("SIGTERM during a streaming turn exits 0 within 5 s, and the next start marks the turn interrupted", async () => {
    server = await startServe(home.env, [], home.project);
    const sessionID = await createSession(server.url);
    llm.script({ text: "slow ".repeat(300), delayMs: 20 });
    const streaming = watchSse(`${server.url}/event`, {
      until: (items) => items.filter((i) => i.event.type === "message.part.delta").length >= 5,
    });
    await streaming.connected;
    await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "go" }] }),
    });
    await streaming.done;
    // A client still watching gets a last event before the stream ends.
    const watching = watchSse(`${server.url}/event`, {
      until: (items) => items.some((i) => i.event.type === "server.instance.disposed"),
    });
    await watching.connected;
    const started = Date.now();
    const code = await server.stop("SIGTERM");
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await watching.done).at(-1)?.event.type).toBe("server.instance.disposed");
    server = await startServe(home.env, [], home.project);
    const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as {
      info: { error?: { name: string } };
    }[];
    expect(messages.at(-1)?.info.error?.name).toBe("InterruptedError");
  });

  it("serves TLS and a Unix socket (mode 0600)", async () => {
    const cert = join(home.root, "cert.pem");
    const key = join(home.root, "key.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-days",
        "1",
        "-keyout",
        key,
        "-out",
        cert,
      ],
      { stdio: "ignore" },
    );
    server = await startServe(home.env, ["--tls-cert", cert, "--tls-key", key], home.project);
    expect(server.url).toMatch(/^https:/);
    const body = execFileSync("curl", ["-sk", `${server.url}/global/health`], { encoding: "utf8" });
    expect(JSON.parse(body).healthy).toBe(true);
    await server.stop();

    const socket = join(home.root, "moor.sock");
    server = await startServe(home.env, ["--socket", socket], home.project);
    expect(statSync(socket).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await healthOverSocket(socket)).healthy).toBe(true);
    await server.stop();
    expect(existsSync(socket)).toBe(false);
  });

  it("refuses a --socket another server answers on, in one line, and leaves that server its socket", async () => {
    const socket = join(home.root, "moor.sock");
    server = await startServe(home.env, ["--socket", socket], home.project);
    const child = spawnMoor(["serve", "--socket", socket], { env: home.env, cwd: home.project });
    const closed = once(child, "close");
    try {
      // It exits, or (taking the socket over) says it listens.
      await waitForOutput(child, (stdout) => child.exitCode !== null || stdout.includes("moor listening on"));
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    await closed;
    const second = child.output();
    expect(second.code).not.toBe(0);
    expect(second.stdout).toBe("");
    expect(second.stderr).toBe(
      `moor: ${socket} is already in use: a server answers on it (stop that one, or give another --socket)\n`,
    );
    expect(statSync(socket).isSocket()).toBe(true);
    expect(JSON.parse(await healthOverSocket(socket)).healthy).toBe(true);
  });

  it("takes over a socket a killed server left behind", async () => {
    const socket = join(home.root, "moor.sock");
    const killed = spawn(process.execPath, [
      "-e",
      `require("node:net").createServer().listen(${JSON.stringify(socket)}, () => console.log("up"))`,
    ]);
    await once(killed.stdout!, "data");
    killed.kill("SIGKILL");
    await once(killed, "exit");
    expect(statSync(socket).isSocket()).toBe(true);
    server = await startServe(home.env, ["--socket", socket], home.project);
    expect(JSON.parse(await healthOverSocket(socket)).healthy).toBe(true);
  });
});
