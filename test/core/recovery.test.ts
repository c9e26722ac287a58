import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { createCore } from "../../src/core/index.js";
import type { ToolDefinition } from "../../src/core/tools/tool.js";
import { exportSession, importSession } from "../../src/core/transfer.js";
import { type AssistantMessage, newId, type ToolPart } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type ScriptedStep, scriptedModel } from "./scripted-model.js";

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
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-recovery-"));
    runs = 0;
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function open(store: SqliteStore, steps: ScriptedStep[]) {
    const model = scriptedModel(steps);
    return createCore({
      store,
      version: "test",
      settings: () => ({ permission: "allow" }),
      resolveModel: async () => ({ model, providerID: "mock", modelID: "m" }),
      tools: [countTool],
    });
  }

  it("marks a turn left running as interrupted and resumes it without repeating completed calls", async () => {
    const file = join(dir, "moor.db");
    const store = new SqliteStore(file);
    const core = open(store, [{ toolCalls: [{ name: "count", input: { n: 1 } }] }, { text: "finished" }]);
    const session = core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "count" }] });
    expect(runs).toBe(1);
    // Simulate a process killed in the middle of a second step: a running message with a running tool call.
    const history = store.listMessages(session.id);
    const user = history[0].info;
    const running: AssistantMessage = {
      ...(history[1].info as AssistantMessage),
      id: newId("msg", Date.now()),
      time: { created: 1 },
    };
    store.putMessage(running, true);
    const toolPart: ToolPart = {
      id: newId("prt", Date.now()),
      sessionID: session.id,
      messageID: running.id,
      type: "tool",
      callID: "call_crashed",
      tool: "count",
      state: { status: "running", input: { n: 2 }, time: { start: 1 } },
    };
    store.putPart(toolPart);
    store.closeNow();

    const reopened = new SqliteStore(file);
    const after = open(reopened, [{ text: "resumed and done" }]);
    expect(after.interrupted).toEqual([session.id]);
    const marked = reopened.getMessage(session.id, running.id)!;
    expect(marked.info.role === "assistant" && marked.info.error?.name).toBe("InterruptedError");
    const markedTool = marked.parts[0] as ToolPart;
    expect(markedTool.state.status).toBe("error");
    expect(markedTool.state.status === "error" && markedTool.state.error).toMatch(/Interrupted/);
    expect(user.role).toBe("user");

    const resumed = await after.sessions.resume(session.id);
    expect(resumed.finish).toBe("stop");
    // Only the interrupted call ran again; the completed one from the first step did not.
    expect(runs).toBe(2);
    const rerun = reopened.getMessage(session.id, running.id)!.parts[0] as ToolPart;
    expect(rerun.state.status).toBe("completed");
    const last = reopened.listMessages(session.id).at(-1)!;
    expect(last.parts.some((p) => p.type === "text" && p.text === "resumed and done")).toBe(true);
    expect(reopened.integrityCheck()).toBe("ok");
    reopened.closeNow();
  });

  it("export → import → export gives the same document, and a second import is refused", async () => {
    const source = new SqliteStore(join(dir, "a.db"));
    const core = open(source, [{ toolCalls: [{ name: "count", input: { n: 3 } }] }, { text: "ok" }]);
    const session = core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hi" }] });
    const exported = exportSession(source, session.id);
    const target = new SqliteStore(join(dir, "b.db"));
    importSession(target, JSON.parse(JSON.stringify(exported)));
    expect(exportSession(target, session.id)).toEqual(exported);
    expect(() => importSession(target, exported)).toThrow(/already exists/);
    expect(() => importSession(target, { info: { id: 3 } })).toThrow(/not a moor session export: info/);
    source.closeNow();
    target.closeNow();
  });
});
