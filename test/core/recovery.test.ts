import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import type { ToolDefinition } from "../../src/core/tools/tool.js";
import { exportSession, importSession } from "../../src/core/transfer.js";
import { type AssistantMessage, newId, type ToolPart } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";
import type { ScriptedStep } from "./scripted-model.js";

let runs = 0;
const countTool: ToolDefinition<{ n: number }> = {
  name: "count",
  description: "count",
  parameters: z.object({ n: z.number() }),
  async execute(input) {
    runs++;
    return { title: `count ${input.n}`, output: String(input.n), metadata: {} };
  },
};

describe("crash recovery and transfer", () => {
  let dir: string;
  let opened: CoreFixture[];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-recovery-"));
    runs = 0;
    opened = [];
  });
  afterEach(async () => {
    for (const fixture of opened.reverse()) await fixture.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string, steps: ScriptedStep[]) {
    const fixture = await openCoreFixture({
      dir,
      file,
      steps,
      settings: { permission: "allow" },
      tools: [countTool],
    });
    opened.push(fixture);
    return fixture;
  }

  it("marks a turn left running as interrupted and resumes it without repeating completed calls", async () => {
    const file = join(dir, "moor.db");
    const first = await open(file, [{ toolCalls: [{ name: "count", input: { n: 1 } }] }, { text: "finished" }]);
    const { store, core } = first;
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "count" }] });
    expect(runs).toBe(1);
    // Simulate a process killed in the middle of a second step: a running message with a running tool call.
    const history = await store.listMessages(session.id);
    const user = history[0].info;
    const running: AssistantMessage = {
      ...(history[1].info as AssistantMessage),
      id: newId("msg", Date.now()),
      time: { created: 1 },
    };
    const toolPart: ToolPart = {
      id: newId("prt", Date.now()),
      sessionID: session.id,
      messageID: running.id,
      type: "tool",
      callID: "call_crashed",
      tool: "count",
      state: { status: "running", input: { n: 2 }, time: { start: 1 } },
    };
    await store.commit({ directory: dir, sessionID: session.id }, (tx) => {
      tx.putMessage(running, true);
      tx.putPart(toolPart);
    });
    // The process ends here (its core has no turn running; closing the store gives up its owner lock).
    opened.splice(opened.indexOf(first), 1);
    await first.close();

    const after = await open(file, [{ text: "resumed and done" }]);
    const reopened = after.store;
    expect(after.core.interrupted).toEqual([session.id]);
    const marked = (await reopened.getMessage(session.id, running.id))!;
    expect(marked.info.role === "assistant" && marked.info.error?.name).toBe("InterruptedError");
    const markedTool = marked.parts[0] as ToolPart;
    expect(markedTool.state.status).toBe("error");
    expect(markedTool.state.status === "error" && markedTool.state.error).toMatch(/Interrupted/);
    expect(user.role).toBe("user");

    const resumed = await after.core.sessions.resume(session.id);
    expect(resumed.finish).toBe("stop");
    // Only the interrupted call ran again; the completed one from the first step did not.
    expect(runs).toBe(2);
    const rerun = (await reopened.getMessage(session.id, running.id))!.parts[0] as ToolPart;
    expect(rerun.state.status).toBe("completed");
    const last = (await reopened.listMessages(session.id)).at(-1)!;
    expect(last.parts.some((p) => p.type === "text" && p.text === "resumed and done")).toBe(true);
    expect(await reopened.integrityCheck()).toBe("ok");
  });

  it("export → import → export gives the same document, and a second import is refused", async () => {
    const { store: source, core } = await open(join(dir, "a.db"), [
      { toolCalls: [{ name: "count", input: { n: 3 } }] },
      { text: "ok" },
    ]);
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hi" }] });
    const exported = await exportSession(source, session.id);
    const target = new SqliteStore(join(dir, "b.db"));
    try {
      await importSession(target, JSON.parse(JSON.stringify(exported)));
      expect(await exportSession(target, session.id)).toEqual(exported);
      await expect(importSession(target, exported)).rejects.toThrow(/already exists/);
      await expect(importSession(target, { info: { id: 3 } })).rejects.toThrow(/not a moor session export: info/);
    } finally {
      target.closeNow();
    }
  });
});
