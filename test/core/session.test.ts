import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import type { Core, CoreSettings } from "../../src/core/index.js";
import type { PermissionRules } from "../../src/core/permission-rules.js";
import type { ToolDefinition } from "../../src/core/tools/tool.js";
import type { BusEnvelope, ToolPart } from "../../src/protocol/index.js";
import { StaleRowError, type Store, type StoreWrites } from "../../src/storage/port.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";
import type { ScriptedStep } from "./scripted-model.js";

const echoTool: ToolDefinition<{ text: string }> = {
  name: "echo",
  description: "Echo text back",
  parameters: z.object({ text: z.string() }),
  async execute(input, ctx) {
    await ctx.ask({ permission: "edit", patterns: [input.text] });
    return { title: "echo", output: `echo: ${input.text}`, metadata: {} };
  },
};

/** Fixtures opened by a test, closed (and their temp dirs removed) after it. */
const opened: CoreFixture[] = [];
/** Those whose process "died" (store closed under a running turn): their core is not shut down, their dir removed. */
const dead = new Set<CoreFixture>();
afterEach(async () => {
  for (const fixture of opened.splice(0).reverse()) {
    if (dead.has(fixture)) rmSync(fixture.dir, { recursive: true, force: true });
    else await fixture.close();
  }
  dead.clear();
});

/**
 * Ends a fixture's process without a word: its store closes (giving up its owner lock, as dying does) and its core
 * is dropped, its turn left waiting. Only for a fixture that made its own temp dir (removed after the test).
 */
function die(fixture: CoreFixture): void {
  fixture.store.closeNow();
  dead.add(fixture);
}

/** A core on a database file of its own (or `dir`'s, shared), its model answering with the scripted steps. */
async function coreOnFile(
  prefix: string,
  steps: ScriptedStep[],
  settings: CoreSettings = { permission: { edit: "ask" } },
  dir?: string,
): Promise<CoreFixture> {
  const fixture = await openCoreFixture({ prefix, dir, steps, settings, tools: [echoTool] });
  opened.push(fixture);
  return fixture;
}

describe("session service and agent loop", () => {
  let dir: string;
  let core: Core;
  let events: BusEnvelope[];
  let permission: PermissionRules = "allow";
  /** What a listener in a test threw (an `expect` in it, say): failed in afterEach, not swallowed by the bus. */
  let listenerErrors: unknown[] = [];

  async function start(steps: ScriptedStep[]) {
    const fixture = await openCoreFixture({
      prefix: "core",
      steps,
      settings: () => ({ permission }),
      tools: [echoTool],
      modelID: "echo",
      core: {
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 },
        onListenerError: (error) => listenerErrors.push(error),
      },
    });
    opened.push(fixture);
    ({ dir, core, events } = fixture);
    return fixture.model;
  }

  afterEach(() => {
    permission = "allow";
    const errors = listenerErrors;
    listenerErrors = [];
    expect(errors).toEqual([]);
  });

  it("reports a throwing bus listener through createCore's onListenerError, and the turn still ends", async () => {
    await start([{ text: "hi" }]);
    const session = await core.sessions.create({ directory: dir });
    core.bus.subscribe((e) => {
      if (e.event.type === "session.idle") throw new Error("listener bug");
    });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(result.finish).toBe("stop");
    expect(listenerErrors.map((error) => (error as Error).message)).toEqual(["listener bug"]);
    listenerErrors = [];
  });

  it("runs a tool-calling turn and stores what it streamed", async () => {
    await start([{ toolCalls: [{ name: "echo", input: { text: "hi" } }] }, { text: "all done now" }]);
    const session = await core.sessions.create({ directory: dir });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "say hi" }] });
    expect(result.finish).toBe("stop");
    const history = await core.sessions.messages(session.id);
    expect(history.map((m) => m.info.role)).toEqual(["user", "assistant", "assistant"]);
    const tool = history[1].parts.find((p): p is ToolPart => p.type === "tool")!;
    expect(tool.state.status).toBe("completed");
    expect(tool.state.status === "completed" && tool.state.output).toBe("echo: hi");
    const text = history[2].parts.find((p) => p.type === "text");
    expect(text?.type === "text" && text.text).toBe("all done now");
    const deltas = events
      .filter((e) => e.event.type === "message.part.delta")
      .map((e) => (e.event.properties as { delta: string }).delta);
    expect(deltas.join("")).toBe("all done now");
    const types = events.map((e) => e.event.type);
    expect(types.indexOf("session.idle")).toBeGreaterThan(types.lastIndexOf("message.part.delta"));
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect((await core.sessions.get(session.id)).title).toBe("say hi");
  });

  it("asks permission, and a rejection reaches the model as a tool error", async () => {
    permission = { edit: "ask" };
    await start([{ toolCalls: [{ name: "echo", input: { text: "x" } }] }, { text: "ok" }]);
    const session = await core.sessions.create({ directory: dir });
    // What was pending when each question was announced, checked after the turn.
    const seen: { asked: string; pending: string[] }[] = [];
    const answered: Promise<boolean>[] = [];
    core.bus.subscribe((e) => {
      if (e.event.type === "permission.asked") {
        const asked = e.event.properties.id;
        answered.push(
          core.gate.pending().then((pending) => {
            seen.push({ asked, pending: pending.map((p) => p.id) });
            return core.gate.reply(asked, "reject");
          }),
        );
      }
    });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(await Promise.all(answered)).toEqual([true]);
    expect(seen).toHaveLength(1);
    expect(seen[0].pending).toContain(seen[0].asked);
    const tool = (await core.sessions.messages(session.id))[1].parts.find((p): p is ToolPart => p.type === "tool")!;
    expect(tool.state.status).toBe("error");
    expect(tool.state.status === "error" && tool.state.error).toMatch(/rejected/);
    expect(await core.gate.pending()).toEqual([]);
  });

  it("denied by rule never runs the tool", async () => {
    permission = { edit: "deny" };
    await start([{ toolCalls: [{ name: "echo", input: { text: "x" } }] }, { text: "ok" }]);
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const tool = (await core.sessions.messages(session.id))[1].parts.find((p): p is ToolPart => p.type === "tool")!;
    expect(tool.state.status === "error" && tool.state.error).toMatch(/denied/);
    expect(events.some((e) => e.event.type === "permission.asked")).toBe(false);
  });

  it("queues a second prompt while busy and runs it after the first", async () => {
    await start([{ text: "first reply", delayMs: 5 }, { text: "second reply" }]);
    const session = await core.sessions.create({ directory: dir });
    const first = core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    const second = core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    await Promise.all([first, second]);
    const history = await core.sessions.messages(session.id);
    const texts = history.map((m) => m.parts.map((p) => (p.type === "text" ? p.text : "")).join(""));
    expect(texts).toEqual(["one", "first reply", "two", "second reply"]);
  });

  it("records a provider error, publishes session.error and stays usable", async () => {
    const failure = Object.assign(new Error("Bad request"), { statusCode: 400 });
    await start([{ error: failure }, { text: "fine again" }]);
    const session = await core.sessions.create({ directory: dir });
    const failed = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "x" }] });
    expect(failed.finish).toBe("error");
    expect(failed.error?.data.message).toMatch(/Bad request/);
    expect(events.some((e) => e.event.type === "session.error")).toBe(true);
    const ok = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "y" }] });
    expect(ok.finish).toBe("stop");
  });

  it("retries a 429 with a retry status, then succeeds", async () => {
    const limited = Object.assign(new Error("Too many requests"), { statusCode: 429 });
    const model = await start([{ error: limited }, { text: "after retry" }]);
    const session = await core.sessions.create({ directory: dir });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "x" }] });
    expect(result.finish).toBe("stop");
    expect(model.doStreamCalls.length).toBe(2);
    const statuses = events.filter((e) => e.event.type === "session.status").map((e) => e.event.properties);
    expect(statuses).toContainEqual(
      expect.objectContaining({ status: expect.objectContaining({ type: "retry", attempt: 1 }) }),
    );
  });

  it("retries a connection the provider marks retryable (a pooled socket the server had closed)", async () => {
    // The AI SDK's APICallError for a failed fetch: no status, isRetryable set.
    const dropped = Object.assign(new Error("Cannot connect to API: other side closed"), { isRetryable: true });
    const model = await start([{ error: dropped }, { text: "after reconnect" }]);
    const session = await core.sessions.create({ directory: dir });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "x" }] });
    expect(result.finish).toBe("stop");
    expect(model.doStreamCalls.length).toBe(2);
  });

  it("does not retry what the provider marks final, and records it as an API error", async () => {
    const refused = Object.assign(new Error("Bad request: unknown model"), { statusCode: 400, isRetryable: false });
    const model = await start([{ error: refused }, { text: "never" }]);
    const session = await core.sessions.create({ directory: dir });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "x" }] });
    expect(result.finish).toBe("error");
    expect(result.error).toMatchObject({ name: "APIError", data: { statusCode: 400, isRetryable: false } });
    expect(model.doStreamCalls.length).toBe(1);
  });

  it("aborts a streaming turn and marks the message aborted", async () => {
    await start([{ text: "a ".repeat(200), delayMs: 5 }]);
    const session = await core.sessions.create({ directory: dir });
    const pending = core.sessions.prompt(session.id, { parts: [{ type: "text", text: "x" }] });
    await new Promise<void>((resolve) => {
      const off = core.bus.subscribe((e) => {
        if (e.event.type === "message.part.delta") {
          off();
          resolve();
        }
      });
    });
    expect(await core.sessions.abort(session.id)).toBe(true);
    const result = await pending;
    expect(result.finish).toBe("aborted");
    const last = (await core.sessions.messages(session.id)).at(-1)!;
    expect(last.info.role === "assistant" && last.info.error?.name).toBe("MessageAbortedError");
    expect(core.sessions.status(session.id).type).toBe("idle");
  });

  it("the plan agent changes nothing even where the config allows everything; build still may", async () => {
    const model = await start([
      { toolCalls: [{ name: "echo", input: { text: "plan" } }] },
      { text: "planned" },
      { toolCalls: [{ name: "echo", input: { text: "build" } }] },
      { text: "built" },
    ]);
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { agent: "plan", parts: [{ type: "text", text: "plan it" }] });
    await core.sessions.prompt(session.id, { agent: "build", parts: [{ type: "text", text: "do it" }] });
    const tools = (await core.sessions.messages(session.id))
      .flatMap((message) => message.parts)
      .filter((part): part is ToolPart => part.type === "tool");
    expect(tools.map((tool) => tool.state.status)).toEqual(["error", "completed"]);
    expect(tools[0].state.status === "error" && tools[0].state.error).toMatch(/denied by the plan agent: edit plan/);
    const system = (call: number) => model.doStreamCalls[call].prompt[0];
    expect(system(0)).toMatchObject({ role: "system", content: expect.stringContaining("plan mode") });
    expect(system(2)).toMatchObject({ role: "system", content: expect.not.stringContaining("plan mode") });
  });

  it("gives the model its tools and system prompt, and answers a malformed or unknown tool call with a tool error", async () => {
    const model = await start([
      {
        toolCalls: [
          { name: "echo", rawInput: '{"text": "unterminated' },
          { name: "echo", rawInput: "[1, 2]" },
          { name: "teleport", input: { to: "mars" } },
        ],
      },
      { text: "sorry" },
    ]);
    const session = await core.sessions.create({ directory: dir });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(result.finish).toBe("stop");
    const [first, second] = model.doStreamCalls;
    expect(first.prompt[0].role).toBe("system");
    expect(first.tools?.map((tool) => tool.name)).toEqual(["echo", "task"]);
    const results = second.prompt
      .filter((message) => message.role === "tool")
      .flatMap((message) => message.content)
      .map((part) => (part.type === "tool-result" ? part.output : undefined));
    expect(results).toEqual([
      { type: "error-text", value: expect.stringMatching(/^Invalid tool call: the arguments are not valid JSON/) },
      { type: "error-text", value: "Invalid tool call: the arguments must be a JSON object" },
      { type: "error-text", value: expect.stringMatching(/^Unknown tool "teleport"\. Available tools: echo, task\./) },
    ]);
  });
});

describe("permission memory", () => {
  it("an `always` answer holds for the rest of the session, and only that session", async () => {
    const { dir, core } = await coreOnFile("always", [
      { toolCalls: [{ name: "echo", input: { text: "a" } }] },
      { text: "one" },
      { toolCalls: [{ name: "echo", input: { text: "a" } }] },
      { text: "two" },
      { toolCalls: [{ name: "echo", input: { text: "a" } }] },
      { text: "three" },
    ]);
    const asked: string[] = [];
    const answered: Promise<boolean>[] = [];
    core.bus.subscribe((e) => {
      if (e.event.type === "permission.asked") {
        asked.push(e.event.properties.sessionID);
        answered.push(core.gate.reply(e.event.properties.id, "always"));
      }
    });
    const first = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(first.id, { parts: [{ type: "text", text: "1" }] });
    await core.sessions.prompt(first.id, { parts: [{ type: "text", text: "2" }] });
    expect(asked).toEqual([first.id]);
    const second = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(second.id, { parts: [{ type: "text", text: "3" }] });
    expect(asked).toEqual([first.id, second.id]);
    expect(await Promise.all(answered)).toEqual([true, true]);
  });

  it("a pending question is stored, so a client that attaches later (or after a restart) sees it", async () => {
    const fixture = await coreOnFile("pending", [{ toolCalls: [{ name: "echo", input: { text: "x" } }] }]);
    const { file, core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    void core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] }).catch(() => {});
    while ((await core.gate.pending()).length === 0) await new Promise((r) => setTimeout(r, 5));
    const [pending] = await core.gate.pending();
    expect(pending).toMatchObject({ sessionID: session.id, permission: "edit", patterns: ["x"] });
    die(fixture);
    const reopened = new SqliteStore(file);
    expect((await reopened.listPendingPermissions()).map((p) => p.id)).toEqual([pending.id]);
    reopened.closeNow();
  });
});

describe("questions without a turn", () => {
  async function coreOn(steps: ScriptedStep[], dir?: string) {
    const fixture = await coreOnFile("orphans", steps, undefined, dir);
    const replies: unknown[] = [];
    fixture.core.bus.subscribe(({ event }) => event.type === "permission.replied" && replies.push(event.properties));
    return Object.assign(fixture, { replies });
  }

  it("are closed as rejected when their turn is aborted, and at start when the process that asked is gone", async () => {
    const ask = { toolCalls: [{ name: "echo", input: { text: "x" } }] };

    // Aborted while asking: every client is told the question is gone.
    const first = await coreOn([ask, ask]);
    const dir = first.dir;
    const session = await first.core.sessions.create({ directory: dir });
    const aborted = first.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    while ((await first.core.gate.pending()).length === 0) await new Promise((r) => setTimeout(r, 5));
    const [question] = await first.core.gate.pending();
    await first.core.sessions.abort(session.id);
    await aborted;
    expect(await first.core.gate.pending()).toEqual([]);
    expect(first.replies).toEqual([{ sessionID: session.id, requestID: question.id, reply: "reject" }]);

    // Left pending by a process that died (closing the store gives up its owner lock): the next process closes it
    // at start, as expired rather than rejected by anyone, and a new prompt runs.
    void first.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "again" }] }).catch(() => {});
    while ((await first.core.gate.pending()).length === 0) await new Promise((r) => setTimeout(r, 5));
    const [orphan] = await first.core.gate.pending();
    die(first);
    const second = await coreOn([{ text: "fresh start" }], dir);
    expect(await second.core.gate.pending()).toEqual([]);
    expect((await second.store.getPermission(orphan.id))?.status).toBe("expired");
    await second.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "something else" }] });
    expect(await second.core.gate.pending()).toEqual([]);
  });

  it("asked by another process sharing the database, are shown while it lives and closed once it is gone", async () => {
    // Both open at once: the second one's start-up recovery ran before the first asked anything.
    const asker = await coreOn([{ toolCalls: [{ name: "echo", input: { text: "x" } }] }]);
    const dir = asker.dir;
    const viewer = await coreOn([], dir);
    const session = await asker.core.sessions.create({ directory: dir });
    void asker.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] }).catch(() => {});
    while ((await asker.core.gate.pending()).length === 0) await new Promise((r) => setTimeout(r, 5));
    const [question] = await asker.core.gate.pending();
    expect((await viewer.core.gate.pending()).map((request) => request.id)).toEqual([question.id]);
    // The asking process ends without a word (closing its store gives up its owner lock, as dying does).
    die(asker);
    expect(await viewer.core.gate.pending()).toEqual([]);
    expect((await viewer.store.getPermission(question.id))?.status).toBe("expired");
    expect(viewer.replies).toEqual([{ sessionID: session.id, requestID: question.id, reply: "reject" }]);
  });
});

describe("step limit", () => {
  it("stops after maxSteps model steps even if the model keeps calling tools", async () => {
    const { dir, model, core } = await coreOnFile(
      "steps",
      Array.from({ length: 10 }, () => ({ toolCalls: [{ name: "echo", input: { text: "again" } }] })),
      { permission: "allow", maxSteps: 3 },
    );
    const session = await core.sessions.create({ directory: dir });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "loop" }] });
    expect(result.finish).toBe("max-steps");
    expect(model.doStreamCalls.length).toBe(3);
    expect((await core.sessions.messages(session.id)).filter((m) => m.info.role === "assistant")).toHaveLength(3);
  });
});

describe("replay", () => {
  it("replayed events show each part as it was when announced, so replaying deltas rebuilds the text exactly", async () => {
    const fixture = await openCoreFixture({ prefix: "replay", steps: [{ text: "one two three four" }] });
    opened.push(fixture);
    const { dir, core } = fixture;
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "count" }] });
    // A client that reconnects from the start folds the replayed events the way a live one would; it is checked
    // right after the last delta, before the part's final update would paper over a doubled text.
    const replayed = core.bus.since(0) ?? [];
    const lastDelta = replayed.findLastIndex(({ event }) => event.type === "message.part.delta");
    const texts = new Map<string, string>();
    for (const { event } of replayed.slice(0, lastDelta + 1)) {
      if (event.type === "message.part.updated" && event.properties.part.type === "text") {
        texts.set(event.properties.part.id, event.properties.part.text);
      }
      if (event.type === "message.part.delta") {
        texts.set(event.properties.partID, (texts.get(event.properties.partID) ?? "") + event.properties.delta);
      }
    }
    expect([...texts.values()]).toEqual(["count", "one two three four"]);
  });
});

describe("session update", () => {
  it("keeps the title when a patch leaves it out (a PATCH /session/:id without a title)", async () => {
    const { core } = await coreOnFile("update", []);
    const session = await core.sessions.create({ directory: process.cwd() });
    await core.sessions.update(session.id, { title: "named" });
    const kept = await core.sessions.update(session.id, {});
    expect(kept.title).toBe("named");
    const untitled = await core.sessions.update(session.id, { title: undefined });
    expect(untitled.title).toBe("named");
    expect((await core.sessions.get(session.id)).title).toBe("named");
  });
});

describe("the end of a turn", () => {
  /**
   * A core whose store holds back the commits that write a session row once `hold` is called (the end-of-turn
   * touch), until `release`.
   */
  async function heldTouch(settleWithIdle: boolean) {
    const dir = mkdtempSync(join(tmpdir(), "moor-settle-"));
    const store = new SqliteStore(join(dir, "held.db"));
    let gate: Promise<void> | undefined;
    let release = () => {};
    let held = 0;
    const commit: Store["commit"] = (scope, write) => {
      if (!gate) return store.commit(scope, write);
      let putsSession = false;
      // A dry run to tell a touch from the turn's other commits (their writes are pure: rows and events).
      const dry = new Proxy({} as StoreWrites, {
        get: (_, key) => () => {
          if (key === "putSession") putsSession = true;
        },
      });
      write(dry);
      if (!putsSession) return store.commit(scope, write);
      held++;
      return gate.then(() => store.commit(scope, write));
    };
    const wrapped = new Proxy(store, {
      get: (target, key) => (key === "commit" ? commit : Reflect.get(target, key, target)),
    });
    const fixture = await openCoreFixture({
      dir,
      steps: [{ text: "one" }, { text: "two" }],
      core: { store: wrapped, cluster: { settleWithIdle } },
    });
    opened.push(fixture);
    const session = await fixture.core.sessions.create({ directory: dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "first" }] });
    return {
      core: fixture.core,
      session,
      hold: () => (gate = new Promise<void>((resolve) => (release = resolve))),
      release: () => release(),
      held: () => held,
    };
  }

  const settledWithin = (promise: Promise<unknown>, ms: number) =>
    Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ms))]);

  it("a single server answers the turn only once its end-of-turn touch is stored", async () => {
    const { core, session, hold, release, held } = await heldTouch(false);
    hold();
    const turn = core.sessions.prompt(session.id, { parts: [{ type: "text", text: "second" }] });
    expect(await settledWithin(turn, 300)).toBe(false);
    expect(held()).toBe(1);
    release();
    expect((await turn).finish).toBe("stop");
  });

  it("a worker (settleWithIdle) hears of the turn's end as the touch is called, so its result can share the commit", async () => {
    const { core, session, hold, release, held } = await heldTouch(true);
    hold();
    const turn = core.sessions.prompt(session.id, { parts: [{ type: "text", text: "second" }] });
    expect(await settledWithin(turn, 2000)).toBe(true);
    // The touch is called, and waits: the worker's result rides in its transaction.
    expect(held()).toBe(1);
    release();
    expect((await turn).finish).toBe("stop");
  });
});

describe("session row edits", () => {
  it("an end-of-turn touch refused as stale (another node changed the row) is redone on a fresh read, announced once", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-stale-"));
    const store = new SqliteStore(join(dir, "stale.db"));
    // The store hands out an outdated copy for the edit, and refuses the write based on it, as PostgreSQL does when
    // another node wrote the row after this node read it.
    let staleCopies = 0;
    let refused = 0;
    const outdated = new WeakSet<object>();
    const getSessionForEdit = async (id: string) => {
      const current = await store.getSession(id);
      if (!current || staleCopies > 0) return current;
      staleCopies++;
      const copy = { ...current, title: "as read before the rename" };
      outdated.add(copy);
      return copy;
    };
    const commit: Store["commit"] = (scope, write) => {
      let basedOnOutdated = false;
      const dry = new Proxy({} as StoreWrites, {
        get: (_, key) => (_row: unknown, basedOn?: object) => {
          if (key === "putSession" && basedOn && outdated.has(basedOn)) basedOnOutdated = true;
        },
      });
      write(dry);
      if (!basedOnOutdated) return store.commit(scope, write);
      refused++;
      return Promise.reject(new StaleRowError(scope.sessionID ?? ""));
    };
    const wrapped = new Proxy(store, {
      get: (target, key) =>
        key === "commit" ? commit : key === "getSessionForEdit" ? getSessionForEdit : Reflect.get(target, key, target),
    });
    const fixture = await openCoreFixture({ dir, steps: [{ text: "one" }], core: { store: wrapped } });
    opened.push(fixture);
    const session = await fixture.core.sessions.create({ directory: dir, title: "the real title" });
    const result = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hi" }] });
    expect(result.finish).toBe("stop");
    expect(refused).toBe(1);
    const stored = await store.getSession(session.id);
    // Redone from the fresh row: the title another node gave is kept, and the touch is written.
    expect(stored?.title).toBe("the real title");
    expect(stored?.time.updated).toBeGreaterThanOrEqual(session.time.updated);
    const updates = fixture.events.filter((e) => e.event.type === "session.updated" && e.sessionID === session.id);
    expect(updates.at(-1)?.event.properties).toMatchObject({ info: { title: "the real title" } });
    // The idle announcements once, though the touch ran twice.
    expect(fixture.events.filter((e) => e.event.type === "session.idle")).toHaveLength(1);
    expect(
      fixture.events.filter(
        (e) =>
          e.event.type === "session.status" &&
          (e.event.properties as { status: { type: string } }).status.type === "idle",
      ),
    ).toHaveLength(1);
  });
});

describe("end of a turn", () => {
  /** A store whose commits take a while to be stored, logging when each is called and when it resolved. */
  function slowStore(dir: string, failing?: (events: string[]) => boolean) {
    const sqlite = new SqliteStore(join(dir, "slow.db"));
    const log: string[] = [];
    let next = 0;
    const commit: Store["commit"] = (scope, write) => {
      const writes: string[] = [];
      const events: string[] = [];
      const dry = new Proxy({} as StoreWrites, {
        get: (_, key) =>
          key === "emit"
            ? (type: string, properties: { info?: { time?: { completed?: number } }; status?: { type: string } }) =>
                events.push(
                  type === "message.updated" && properties.info?.time?.completed
                    ? "message completed"
                    : type === "session.status"
                      ? `status ${properties.status?.type}`
                      : type,
                )
            : () => writes.push(String(key)),
      });
      write(dry);
      const name = `#${next++} ${events.join(", ")}`;
      log.push(`called ${name}`);
      return new Promise((resolve, reject) => {
        const answer = () => {
          log.push(`stored ${name}`);
          if (failing?.(events)) reject(new Error("disk full"));
          else sqlite.commit(scope, write).then(resolve, reject);
        };
        setTimeout(answer, 20);
      });
    };
    const wrapped = new Proxy(sqlite, {
      get: (target, key) => (key === "commit" ? commit : Reflect.get(target, key, target)),
    });
    return { wrapped, log };
  }

  /** The turn's last write (the message completed) and the idle edit's (the touch: session.updated), as called. */
  function endOfTurn(log: string[]) {
    const completed = log.find((line) => line.startsWith("called") && line.includes("message completed")) as string;
    expect(completed).toBeDefined();
    // The idle status and session.idle go on the bus; the touch is the edit's commit.
    const idle = log.find(
      (line, at) => at > log.indexOf(completed) && line.startsWith("called") && line.includes("session.updated"),
    ) as string;
    expect(idle).toBeDefined();
    return { completed, completedStored: completed.replace("called", "stored"), idle };
  }

  it("a worker queues its idle edit while the turn's last write is still on its way (a slow store can group them)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-end-"));
    const { wrapped, log } = slowStore(dir);
    const fixture = await openCoreFixture({
      dir,
      steps: [{ text: "done" }],
      core: { store: wrapped, cluster: { settleWithIdle: true } },
    });
    opened.push(fixture);
    const session = await fixture.core.sessions.create({ directory: dir });
    const result = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hi" }] });
    expect(result.finish).toBe("stop");
    // A worker hears of the end as the idle edit is called: its result rides with it. Stored a little later.
    while (!log.at(-1)?.includes("stored") || !log.at(-1)?.includes("session.updated"))
      await new Promise((resolve) => setTimeout(resolve, 10));
    const { completed, completedStored, idle } = endOfTurn(log);
    // Called after the last write was called (the store applies them in order), before it was stored.
    expect(log.indexOf(idle)).toBeGreaterThan(log.indexOf(completed));
    expect(log.indexOf(idle)).toBeLessThan(log.indexOf(completedStored));
    expect(fixture.events.filter((e) => e.event.type === "session.idle")).toHaveLength(1);
  });

  it("a single server announces the session idle only after the turn's last write is stored (its events first)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-end-"));
    const { wrapped, log } = slowStore(dir);
    const fixture = await openCoreFixture({ dir, steps: [{ text: "done" }], core: { store: wrapped } });
    opened.push(fixture);
    const session = await fixture.core.sessions.create({ directory: dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hi" }] });
    const { completedStored, idle } = endOfTurn(log);
    expect(log.indexOf(idle)).toBeGreaterThan(log.indexOf(completedStored));
    // The caller hears of the turn's end once the idle edit is stored too.
    expect(log.at(-1)).toBe(idle.replace("called", "stored"));
    const types = fixture.events.map((e) => e.event.type);
    expect(types.lastIndexOf("message.part.delta")).toBeLessThan(types.indexOf("session.idle"));
  });

  it("a turn whose last write fails ends with that failure, though the session is announced idle", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-end-"));
    const { wrapped } = slowStore(dir, (events) => events.includes("message completed"));
    const fixture = await openCoreFixture({ dir, steps: [{ text: "done" }], core: { store: wrapped } });
    opened.push(fixture);
    const session = await fixture.core.sessions.create({ directory: dir });
    await expect(fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hi" }] })).rejects.toThrow(
      /disk full/,
    );
    expect(fixture.events.filter((e) => e.event.type === "session.idle")).toHaveLength(1);
  });
});
