// `file.edited` from the real edit and write tools: after each one changed a file, its absolute path, in the
// session's directory scope (so /event?directory= clients get it).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createEditTool } from "../../../src/core/tools/edit.js";
import { createWriteTool } from "../../../src/core/tools/write.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";

let fixture: CoreFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("file.edited", () => {
  it("is published by write and edit with the file's absolute path, scoped to the session's directory", async () => {
    fixture = await openCoreFixture({
      prefix: "file-edited",
      steps: [
        { toolCalls: [{ name: "write", input: { filePath: "notes.txt", content: "one\n" } }] },
        { toolCalls: [{ name: "edit", input: { filePath: "notes.txt", oldString: "one", newString: "two" } }] },
        // A failed edit changes nothing and announces nothing.
        { toolCalls: [{ name: "edit", input: { filePath: "notes.txt", oldString: "absent", newString: "x" } }] },
        { text: "done" },
      ],
      settings: { permission: "allow" },
      tools: [createWriteTool(), createEditTool()],
    });
    const { core, dir } = fixture;
    const session = await core.sessions.create({ directory: dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const file = join(dir, "notes.txt");
    expect(readFileSync(file, "utf8")).toBe("two\n");
    const edited = fixture.events
      .filter((envelope) => envelope.event.type === "file.edited")
      .map((envelope) => ({
        directory: envelope.directory,
        sessionID: envelope.sessionID,
        ...envelope.event.properties,
      }));
    expect(edited).toEqual([
      { directory: dir, sessionID: session.id, file },
      { directory: dir, sessionID: session.id, file },
    ]);
  });
});
