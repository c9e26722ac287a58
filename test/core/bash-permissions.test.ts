// The bash tool inside a real core: what "always" grants, and what the plan agent still asks.
import { existsSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/index.js";
import type { PermissionRules } from "../../src/core/permission-rules.js";
import { createBashTool } from "../../src/core/tools/bash.js";
import type { PermissionReply, PermissionRequest, ToolPart } from "../../src/protocol/index.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";
import type { ScriptedStep } from "./scripted-model.js";

let dir: string;
let fixture: CoreFixture | undefined;
let store: SqliteStore;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "moor-bash-perm-")));
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  rmSync(dir, { recursive: true, force: true });
});

/** A core with the bash tool on the test's dir, its model running `steps`. */
async function open(steps: ScriptedStep[], rules?: PermissionRules): Promise<Core> {
  fixture = await openCoreFixture({
    dir,
    steps,
    settings: { permission: rules },
    tools: [createBashTool({ env: () => process.env })],
  });
  store = fixture.store;
  return fixture.core;
}

const bash = (command: string): ScriptedStep => ({ toolCalls: [{ name: "bash", input: { command } }] });

/** A core whose model runs `steps`; every question is recorded and answered by `answer`. */
async function start(
  steps: ScriptedStep[],
  answer: (request: PermissionRequest) => PermissionReply,
  rules?: PermissionRules,
) {
  const core = await open(steps, rules);
  const asked: PermissionRequest[] = [];
  core.bus.subscribe(({ event }) => {
    if (event.type !== "permission.asked") return;
    asked.push(event.properties);
    void core.gate.reply(event.properties.id, answer(event.properties));
  });
  return { core, asked };
}

async function toolStates(core: Core, sessionID: string) {
  return (await core.sessions.messages(sessionID))
    .flatMap((message) => message.parts)
    .filter((part): part is ToolPart => part.type === "tool")
    .map((part) => part.state);
}

describe("bash grants", () => {
  it("'always' on `echo hi` stores `echo *`, which does not let `echo p > f; touch g` run unasked", async () => {
    const { core, asked } = await start(
      [bash("echo hi"), { text: "ok" }, bash("echo p > f; touch g"), { text: "no" }],
      (r) => (r.patterns.includes("echo hi") ? "always" : "reject"),
    );
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    expect(asked[0]).toMatchObject({ permission: "bash", patterns: ["echo hi"], always: ["echo *"] });
    expect(await store.listGrants(session.id)).toEqual([
      expect.objectContaining({ permission: "bash", pattern: "echo *" }),
    ]);
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    expect(asked.slice(1).map((request) => [request.permission, request.patterns])).toEqual([
      ["edit", [join(dir, "f")]],
    ]);
    expect(existsSync(join(dir, "f"))).toBe(false);
    expect(existsSync(join(dir, "g"))).toBe(false);
    expect((await toolStates(core, session.id)).map((state) => state.status)).toEqual(["completed", "error"]);
  });

  it("each sub-command is judged by itself: the granted one passes, the other is asked", async () => {
    const { core, asked } = await start(
      [bash("echo hi"), { text: "ok" }, bash("echo a && touch g"), { text: "no" }],
      (request) => (request.patterns.includes("echo hi") ? "always" : "reject"),
      { edit: "allow" },
    );
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    expect(asked.at(-1)).toMatchObject({
      permission: "bash",
      patterns: ["echo a", "touch g"],
      always: ["echo *", "touch *"],
    });
    expect(existsSync(join(dir, "g"))).toBe(false);
  });
});

describe("commands named by their path", () => {
  it("a deny rule about `rm` also denies `/bin/rm`, and 'always' on `/bin/echo hi` grants both forms", async () => {
    writeFileSync(join(dir, "keep.txt"), "x");
    const { core, asked } = await start(
      [bash("/bin/rm -f keep.txt"), { text: "no" }, bash("/bin/echo hi"), { text: "ok" }],
      () => "always",
      { bash: { "*": "ask", "rm *": "deny" } },
    );
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    expect(existsSync(join(dir, "keep.txt"))).toBe(true);
    expect((await toolStates(core, session.id)).map((state) => state.status)).toEqual(["error"]);
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    expect(asked.map((request) => [request.patterns, request.always])).toEqual([
      [
        ["/bin/echo hi", "echo hi"],
        ["/bin/echo *", "echo *"],
      ],
    ]);
    expect((await toolStates(core, session.id)).map((state) => state.status)).toEqual(["error", "completed"]);
  });
});

describe("the plan agent", () => {
  it("asks before every command even with a grant, and a redirection that writes is denied", async () => {
    const { core, asked } = await start(
      [bash("echo hi"), { text: "ok" }, bash("echo hi"), { text: "asked" }, bash("echo p > f"), { text: "denied" }],
      () => "always",
      { bash: { "echo *": "allow" }, edit: "allow" },
    );
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { agent: "build", parts: [{ type: "text", text: "build" }] });
    expect(asked).toEqual([]);
    await store.commit({ directory: dir, sessionID: session.id }, (tx) => tx.addGrant(session.id, "bash", "echo *"));
    await core.sessions.prompt(session.id, { agent: "plan", parts: [{ type: "text", text: "plan" }] });
    expect(asked.map((request) => [request.permission, request.patterns])).toEqual([["bash", ["echo hi"]]]);
    await core.sessions.prompt(session.id, { agent: "plan", parts: [{ type: "text", text: "plan" }] });
    expect(asked).toHaveLength(1);
    const states = await toolStates(core, session.id);
    expect(states.map((state) => state.status)).toEqual(["completed", "completed", "error"]);
    expect(states[2].status === "error" && states[2].error).toMatch(/denied by the plan agent: edit/);
    expect(existsSync(join(dir, "f"))).toBe(false);
  });

  it("an 'always' given meanwhile does not answer the plan agent's other pending command", async () => {
    const core = await open([
      {
        toolCalls: [
          { name: "bash", input: { command: "echo a" } },
          { name: "bash", input: { command: "echo b" } },
        ],
      },
      { text: "done" },
    ]);
    const session = await core.sessions.create({ directory: dir });
    const turn = core.sessions.prompt(session.id, { agent: "plan", parts: [{ type: "text", text: "plan" }] });
    while ((await core.gate.pending()).length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    const [first, second] = await core.gate.pending();
    expect(await core.gate.reply(first.id, "always")).toBe(true);
    expect((await core.gate.pending()).map((request) => request.id)).toEqual([second.id]);
    expect(await core.gate.reply(second.id, "once")).toBe(true);
    await turn;
    expect((await toolStates(core, session.id)).map((state) => state.status)).toEqual(["completed", "completed"]);
  });
});
