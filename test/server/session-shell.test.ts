// POST /session/:id/shell (OpenCode's `!command`): the command runs through the bash tool as the session's turn,
// stored as an assistant message with one bash tool part, no model call; the answer has OpenCode's shape
// (test/compat/fixtures/opencode-1.18.33/session-shell.json).
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createBuiltinTools } from "../../src/core/tools/index.js";
import { createMoorApp } from "../../src/server/app.js";
import { shapeOf } from "../compat/shape.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const opencode = JSON.parse(
  readFileSync(new URL("../compat/fixtures/opencode-1.18.33/session-shell.json", import.meta.url), "utf8"),
);

describe("POST /session/:id/shell", () => {
  let fixture: CoreFixture;
  beforeEach(async () => {
    fixture = await openCoreFixture({
      prefix: "shell",
      settings: { permission: { bash: "allow" } },
      tools: ({ todos }) => createBuiltinTools({ commandEnv: () => ({ PATH: process.env.PATH ?? "" }), todos }),
    });
  });
  afterEach(() => fixture.close());

  it("runs the command as a bash tool part and answers the assistant message, without calling the model", async () => {
    const { app } = createMoorApp({ core: fixture.core, version: "1", defaultDirectory: fixture.dir });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const response = await app.request(`/session/${session.id}/shell`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ agent: "build", command: "echo hi from shell" }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.info.role).toBe("assistant");
    const tool = body.parts.find((part: { type: string }) => part.type === "tool");
    expect(tool).toMatchObject({
      tool: "bash",
      state: { status: "completed", input: { command: "echo hi from shell" } },
    });
    expect(tool.state.output).toContain("hi from shell");
    expect(fixture.model.doStreamCalls).toHaveLength(0);
    // OpenCode's shape for the tool part (its state's own keys vary with the tool's metadata).
    const theirs = opencode.parts[0];
    expect(Object.keys(tool).sort()).toEqual(expect.arrayContaining(Object.keys(theirs).sort()));
    expect(Object.keys(body).sort()).toEqual(Object.keys(opencode).sort());
    const messages = await fixture.core.sessions.messages(session.id);
    expect(messages.map((message) => message.info.role)).toEqual(["user", "assistant"]);
    expect(shapeOf(body.info.tokens)).toEqual(shapeOf(opencode.info.tokens));
  });

  it("a missing command is a 400; an unknown session a 404", async () => {
    const { app } = createMoorApp({ core: fixture.core, version: "1", defaultDirectory: fixture.dir });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const post = (id: string, body: unknown) =>
      app.request(`/session/${id}/shell`, { method: "POST", body: JSON.stringify(body) });
    expect((await post(session.id, { agent: "build" })).status).toBe(400);
    expect((await post("ses_nope", { agent: "build", command: "true" })).status).toBe(404);
  });
});
