// POST /session/:id/summarize (OpenCode's shape): a summary message is written, `session.compacted` announced, and
// the next turn's request starts from the summary; bad input is a 4xx.
import { afterEach, describe, expect, it } from "vitest";
import { createMoorApp } from "../../src/server/app.js";
import { promptText } from "../core/compaction/windowed-model.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

let fixture: CoreFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

describe("POST /session/:id/summarize", () => {
  it("writes a summary the next turn starts from, and says so with session.compacted", async () => {
    fixture = await openCoreFixture({
      prefix: "summarize-route",
      steps: [{ text: "first answer" }, { text: "THE SUMMARY of the first task" }, { text: "second answer" }],
    });
    const { core, model } = fixture;
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: fixture.dir });
    const session = await core.sessions.create({ directory: fixture.dir });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "first task" }] });

    const response = await app.request(`/session/${session.id}/summarize`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ providerID: "mock", modelID: "m" }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toBe(true);
    const messages = await core.sessions.messages(session.id);
    expect(messages.at(-1)?.info).toMatchObject({ role: "assistant", summary: true, agent: "compaction" });
    expect(fixture.events.some(({ event }) => event.type === "session.compacted")).toBe(true);

    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "second task" }] });
    const { prompt } = model.doStreamCalls[2];
    const next = promptText(prompt);
    expect(next).toContain("THE SUMMARY of the first task");
    expect(next).toContain("second task");
    expect(next).not.toContain("first answer");
    const userTexts = prompt.flatMap((message) =>
      message.role === "user" ? message.content.flatMap((part) => (part.type === "text" ? [part.text] : [])) : [],
    );
    expect(userTexts).not.toContain("first task");
  });

  it("answers 4xx for a session with nothing to summarize, an unknown session and a bad body", async () => {
    fixture = await openCoreFixture({ prefix: "summarize-route" });
    const { app } = createMoorApp({ core: fixture.core, version: "1", defaultDirectory: fixture.dir });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const post = (path: string, body: string) =>
      app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body });
    const empty = await post(`/session/${session.id}/summarize`, "{}");
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    expect((await post("/session/ses_nope/summarize", "{}")).status).toBe(404);
    expect((await post(`/session/${session.id}/summarize`, '{"providerID": 5}')).status).toBe(400);
    expect((await post(`/session/${session.id}/summarize`, "{not json")).status).toBe(400);
  });
});
