// `session.diff` is published after each tool call that changed a file, carrying the session's whole diff (as
// OpenCode does), the same value GET /session/:id/diff serves.
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createEditTool } from "../../src/core/tools/edit.js";
import { createReadTool } from "../../src/core/tools/read.js";
import { createWriteTool } from "../../src/core/tools/write.js";
import type { EventOf } from "../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

describe("session.diff", () => {
  let fixture: CoreFixture;

  beforeEach(async () => {
    fixture = await openCoreFixture({
      prefix: "diff",
      steps: [
        { toolCalls: [{ name: "write", input: { filePath: "a.txt", content: "one\n" } }] },
        { toolCalls: [{ name: "read", input: { filePath: "a.txt" } }] },
        { toolCalls: [{ name: "edit", input: { filePath: "a.txt", oldString: "one", newString: "two\nthree" } }] },
        { text: "done" },
      ],
      settings: { permission: "allow" },
      tools: [createWriteTool(), createReadTool(), createEditTool()],
    });
  });
  afterEach(() => fixture.close());

  it("follows each file-changing tool call with the session's diff, and no other tool call", async () => {
    const { core, dir, events } = fixture;
    const file = join(dir, "a.txt");
    const session = await core.sessions.create({ directory: dir });
    const outcome = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(outcome.finish).toBe("stop");

    const diffs = events.filter((e) => e.event.type === "session.diff");
    expect(diffs).toHaveLength(2);
    for (const envelope of diffs) expect(envelope).toMatchObject({ directory: dir, sessionID: session.id });
    const [afterWrite, afterEdit] = diffs.map((e) => (e.event as EventOf<"session.diff">).properties);
    expect(afterWrite.sessionID).toBe(session.id);
    expect(afterWrite.diff).toMatchObject([{ file, additions: 1, deletions: 0, status: "added" }]);
    expect(afterEdit.diff).toMatchObject([{ file, additions: 3, deletions: 1, status: "added" }]);
    expect(afterEdit.diff).toEqual(await core.sessions.diff(session.id));

    // Published after the completed tool part that it sums, so a client that saw it can refetch the same diff.
    const writeCompleted = events.findIndex(
      (e) =>
        e.event.type === "message.part.updated" &&
        e.event.properties.part.type === "tool" &&
        e.event.properties.part.tool === "write" &&
        e.event.properties.part.state.status === "completed",
    );
    expect(writeCompleted).toBeGreaterThan(-1);
    expect(events.findIndex((e) => e.event.type === "session.diff")).toBeGreaterThan(writeCompleted);
  });
});
