// GET /command and POST /session/:id/command in OpenCode's shapes (reference/opencode-core-openapi.json).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBuiltinTools } from "../../src/core/tools/index.js";
import { createMoorApp } from "../../src/server/app.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const opened: CoreFixture[] = [];
afterEach(async () => {
  for (const fixture of opened.splice(0)) await fixture.close();
});

/** OpenCode 1.18.33's Command schema (its openapi.json): every property, and the required ones. */
const OPENCODE_COMMAND = {
  properties: ["name", "description", "agent", "model", "source", "template", "subtask", "hints"],
  required: ["name", "template", "hints"],
};

async function open() {
  const fixture = await openCoreFixture({
    prefix: "commands-route",
    steps: [{ text: "Explained." }],
    tools: ({ todos }) => createBuiltinTools({ commandEnv: () => ({}), todos }),
    core: { commands: () => [{ name: "explain", description: "explain", template: "Explain $1 in @notes.md" }] },
  });
  opened.push(fixture);
  const { app } = createMoorApp({ core: fixture.core, version: "1", defaultDirectory: fixture.dir });
  return { ...fixture, app };
}

const post = (body: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

describe("command routes", () => {
  it("GET /command lists built-ins and configured commands with only the fields of OpenCode's Command", async () => {
    const { app } = await open();
    const response = await app.request("/command");
    expect(response.status).toBe(200);
    const list = (await response.json()) as Record<string, unknown>[];
    expect(list.map((command) => command.name)).toEqual(["init", "review", "explain"]);
    for (const command of list) {
      for (const key of Object.keys(command)) expect(OPENCODE_COMMAND.properties).toContain(key);
      for (const key of OPENCODE_COMMAND.required) expect(command).toHaveProperty(key);
    }
    expect(list[2]).toMatchObject({ template: "Explain $1 in @notes.md", hints: ["$1"], source: "command" });
  });

  it("POST /session/:id/command runs the command and answers with the assistant message", async () => {
    const fixture = await open();
    writeFileSync(join(fixture.dir, "notes.md"), "Notes body.\n");
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const response = await fixture.app.request(
      `/session/${session.id}/command`,
      post({ command: "explain", arguments: "caching" }),
    );
    expect(response.status).toBe(200);
    const body = (await response.json()) as { info: { role: string }; parts: { type: string; text?: string }[] };
    expect(body.info.role).toBe("assistant");
    expect(body.parts.some((part) => part.text === "Explained.")).toBe(true);
    const sent = JSON.stringify(fixture.model.doStreamCalls[0].prompt);
    expect(sent).toContain("Explain caching in @notes.md");
    expect(sent).toContain("Notes body.");
    expect(fixture.events.some((envelope) => envelope.event.type === "command.executed")).toBe(true);
  });

  it("answers an unknown command with 404 and a bad body with 400, never running a turn", async () => {
    const fixture = await open();
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const unknown = await fixture.app.request(
      `/session/${session.id}/command`,
      post({ command: "nope", arguments: "" }),
    );
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    const bad = await fixture.app.request(`/session/${session.id}/command`, post({ command: "explain" }));
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "bad_request" } });
    expect(fixture.model.doStreamCalls).toHaveLength(0);
  });
});
