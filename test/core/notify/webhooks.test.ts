// Webhook notifications (issue 19 §2): a real receiver on loopback gets each event it asked for at least once, with
// the same id on every retry, the configured headers, a link to the session; the queue is bounded and survives a
// restart in its file.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { Notifier, type NotifierOptions } from "../../../src/core/notify/notifier.js";
import type { NotifySettings } from "../../../src/core/notify/settings.js";
import { type WebhookBody, WebhookQueue } from "../../../src/core/notify/webhook-queue.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";

interface Received {
  body: WebhookBody;
  headers: IncomingHttpHeaders;
  status: number;
}

/** A webhook receiver: `answer` decides each request's status from how often its id was seen before. */
async function startReceiver(answer: (seenBefore: number) => number) {
  const received: Received[] = [];
  const server: Server = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      const body = JSON.parse(text) as WebhookBody;
      const status = answer(received.filter((r) => r.body.id === body.id).length);
      received.push({ body, headers: request.headers, status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret`;
  return { url, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const touchTool: ToolDefinition<{ path: string }> = {
  name: "touch",
  description: "pretend to change a file",
  parameters: z.object({ path: z.string() }),
  async execute(input, ctx) {
    await ctx.ask({ permission: "edit", patterns: [input.path] });
    return { title: "touched", output: `touched ${input.path}`, metadata: {} };
  },
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function logSink() {
  const lines: string[] = [];
  return { lines, log: { info: (line: string) => lines.push(line), warn: (line: string) => lines.push(line) } };
}

async function fixtureWithNotifier(settings: NotifySettings, claim?: NotifierOptions["claim"]) {
  const fixture: CoreFixture = await openCoreFixture({
    prefix: "notify",
    tools: [touchTool],
    steps: [{ toolCalls: [{ name: "touch", input: { path: "a.txt" } }] }, { text: "done" }, { text: "again" }],
    settings: { permission: { edit: "ask" } },
  });
  cleanups.push(() => fixture.close());
  const { lines, log } = logSink();
  const notifier = new Notifier({
    bus: fixture.core.bus,
    store: fixture.store,
    settings: () => settings,
    baseUrl: () => "http://127.0.0.1:4096",
    log,
    now: Date.now,
    desktop: { env: { PATH: "" }, platform: "linux" },
    claim,
  });
  cleanups.push(() => notifier.close());
  // Every question is answered at once, as a user would.
  fixture.core.bus.subscribe(({ event }) => {
    if (event.type === "permission.asked") void fixture.core.gate.reply(event.properties.id, "once");
  });
  return { fixture, notifier, lines };
}

describe("webhook notifications", () => {
  it("in cluster mode delivers only what this node claimed, and what it could not claim (twice beats never)", async () => {
    const receiver = await startReceiver(() => 200);
    cleanups.push(receiver.close);
    const claims: { id: number; target: string }[] = [];
    // permission.asked: another node claimed it; session.idle: the claim failed (the database unreachable).
    const claim = async (id: number, target: string) => {
      claims.push({ id, target });
      if (claims.length === 1) return false;
      throw new Error("connection lost");
    };
    const { fixture, notifier } = await fixtureWithNotifier(
      { webhooks: [{ url: receiver.url, events: ["permission.asked", "session.idle"] }] },
      claim,
    );
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "touch it" }] });
    await notifier.settled();
    await notifier.webhooks.drained();
    const wanted = fixture.events.filter((e) => ["permission.asked", "session.idle"].includes(e.event.type));
    expect(claims).toEqual(wanted.map((e) => ({ id: e.seq, target: receiver.url })));
    expect(receiver.received.map((r) => r.body.type)).toEqual(["session.idle"]);
  });

  it("a receiver failing twice before 200 gets permission.asked and session.idle, each id accepted exactly once", async () => {
    const receiver = await startReceiver((seenBefore) => (seenBefore < 2 ? 500 : 200));
    cleanups.push(receiver.close);
    const { fixture, notifier, lines } = await fixtureWithNotifier({
      // OpenCode's older name for a permission question is accepted as moor's.
      webhooks: [
        {
          url: receiver.url,
          events: ["permission.updated", "session.idle"],
          headers: { authorization: "Bearer hook-token" },
        },
      ],
      retry: { initialMs: 10, maxMs: 40 },
    });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const result = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "touch it" }] });
    expect(result.finish).toBe("stop");
    await notifier.webhooks.drained();

    const wanted = fixture.events.filter((e) => ["permission.asked", "session.idle"].includes(e.event.type));
    const expectedIds = wanted.map((e) => `${fixture.core.bus.epoch}-${e.seq}`);
    expect(wanted.map((e) => e.event.type)).toEqual(["permission.asked", "session.idle"]);
    // Three attempts per event, all with the same id; exactly one of them accepted.
    for (const id of expectedIds) {
      const attempts = receiver.received.filter((r) => r.body.id === id);
      expect(attempts.map((r) => r.status)).toEqual([500, 500, 200]);
      expect(new Set(attempts.map((r) => JSON.stringify(r.body))).size).toBe(1);
    }
    const accepted = receiver.received.filter((r) => r.status === 200);
    expect(accepted.map((r) => r.body.id).sort()).toEqual([...expectedIds].sort());
    expect(new Set(receiver.received.map((r) => r.body.id))).toEqual(new Set(expectedIds));
    const asked = accepted.find((r) => r.body.type === "permission.asked") as Received;
    expect(asked.body.sessionID).toBe(session.id);
    expect(asked.body.url).toBe(`http://127.0.0.1:4096/#/s/${session.id}`);
    expect((asked.body.properties as { permission: string }).permission).toBe("edit");
    expect(asked.headers.authorization).toBe("Bearer hook-token");
    expect(asked.headers["content-type"]).toBe("application/json");
    // The failures are logged, but never the headers or the URL's query (either may hold a token).
    expect(lines.some((line) => line.includes("answered 500"))).toBe(true);
    expect(lines.join("\n")).not.toMatch(/hook-token|secret/);
  });

  it("events a webhook did not name are not sent to it", async () => {
    const receiver = await startReceiver(() => 200);
    cleanups.push(receiver.close);
    const { fixture, notifier } = await fixtureWithNotifier({
      webhooks: [{ url: receiver.url, events: ["session.idle"] }],
    });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "touch it" }] });
    await notifier.webhooks.drained();
    expect(receiver.received.map((r) => r.body.type)).toEqual(["session.idle"]);
  });

  it("a one-off webhook is told when that turn ends, and not for the next one", async () => {
    const receiver = await startReceiver(() => 200);
    cleanups.push(receiver.close);
    const { fixture, notifier } = await fixtureWithNotifier({});
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    notifier.once(session.id, { webhook: receiver.url });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "touch it" }] });
    await notifier.webhooks.drained();
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "more" }] });
    await notifier.webhooks.drained();
    expect(receiver.received.map((r) => [r.body.type, r.body.sessionID])).toEqual([["session.idle", session.id]]);
  });
});

describe("the webhook queue", () => {
  it("is bounded: the oldest waiting delivery is dropped, with a log line, when a new one would not fit", async () => {
    const receiver = await startReceiver(() => 200);
    cleanups.push(receiver.close);
    const { lines, log } = logSink();
    const queue = new WebhookQueue({
      retry: () => ({ initialMs: 60_000 }),
      limit: () => 2,
      headers: () => undefined,
      log,
      now: Date.now,
    });
    cleanups.push(() => queue.close());
    for (const id of ["e1", "e2", "e3", "e4"])
      queue.add(receiver.url, "/p", { id, type: "session.idle", properties: {} });
    await queue.drained();
    expect(receiver.received.map((r) => r.body.id)).toEqual(["e3", "e4"]);
    expect(lines.filter((line) => /queue full \(2\); dropped the oldest delivery e[12]/.test(line))).toHaveLength(2);
  });

  it("keeps waiting deliveries in its file: the next process sends them with the same id", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-notify-queue-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, "notify-queue.json");
    let up = false;
    const receiver = await startReceiver(() => (up ? 200 : 503));
    cleanups.push(receiver.close);
    const { log } = logSink();
    const options = {
      retry: () => ({ initialMs: 60_000 }),
      limit: () => 10,
      headers: () => ({ "x-from-config": "yes" }),
      log,
      now: Date.now,
      file,
    };
    const first = new WebhookQueue(options);
    first.add(receiver.url, "/p", { id: "evt-1", type: "session.idle", sessionID: "ses_1", properties: {} });
    // Closed once its first attempt reached the receiver: whether answered yet or not, the delivery stays in the file.
    while (receiver.received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    first.close();
    up = true;
    const second = new WebhookQueue(options);
    cleanups.push(() => second.close());
    await second.drained();
    expect(receiver.received.map((r) => [r.body.id, r.status])).toEqual([
      ["evt-1", 503],
      ["evt-1", 200],
    ]);
    // Headers come from the config when sent, never from the file.
    expect(receiver.received[1].headers["x-from-config"]).toBe("yes");
  });
});
