// `session.diff` is published after each tool call that changed a file, carrying the session's whole diff (as
// OpenCode does), the same value GET /session/:id/diff serves.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCore } from "../../src/core/index.js";
import { createEditTool } from "../../src/core/tools/edit.js";
import { createReadTool } from "../../src/core/tools/read.js";
import { createWriteTool } from "../../src/core/tools/write.js";
import type { BusEnvelope, EventOf } from "../../src/protocol/index.js";
import { Store } from "../../src/storage/store.js";
import { scriptedModel } from "./scripted-model.js";

describe("session.diff", () => {
  let dir: string;
  let store: Store;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-diff-"));
    store = new Store(join(dir, "moor.db"));
  });
  afterEach(() => {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("follows each file-changing tool call with the session's diff, and no other tool call", async () => {
    const file = join(dir, "a.txt");
    const model = scriptedModel([
      { toolCalls: [{ name: "write", input: { filePath: "a.txt", content: "one\n" } }] },
      { toolCalls: [{ name: "read", input: { filePath: "a.txt" } }] },
      { toolCalls: [{ name: "edit", input: { filePath: "a.txt", oldString: "one", newString: "two\nthree" } }] },
      { text: "done" },
    ]);
    const core = createCore({
      store,
      version: "test",
      settings: () => ({ permission: "allow" }),
      resolveModel: async () => ({ model, providerID: "mock", modelID: "m" }),
      tools: [createWriteTool(), createReadTool(), createEditTool()],
    });
    const events: BusEnvelope[] = [];
    core.bus.subscribe((envelope) => events.push(envelope));
    const session = core.sessions.create({ directory: dir });
    const outcome = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(outcome.finish).toBe("stop");

    const diffs = events.filter((e) => e.event.type === "session.diff");
    expect(diffs).toHaveLength(2);
    for (const envelope of diffs) expect(envelope).toMatchObject({ directory: dir, sessionID: session.id });
    const [afterWrite, afterEdit] = diffs.map((e) => (e.event as EventOf<"session.diff">).properties);
    expect(afterWrite.sessionID).toBe(session.id);
    expect(afterWrite.diff).toMatchObject([{ file, additions: 1, deletions: 0, status: "added" }]);
    expect(afterEdit.diff).toMatchObject([{ file, additions: 3, deletions: 1, status: "added" }]);
    expect(afterEdit.diff).toEqual(core.sessions.diff(session.id));

    // Published after the completed tool part that it sums, so a client that saw it can refetch the same diff.
    const types = events.map((e) => e.event.type);
    const edited = types.indexOf("file.edited");
    expect(edited).toBeGreaterThan(-1);
    expect(types.indexOf("session.diff")).toBe(edited + 1);
    await core.shutdown();
  });
});
