// OpenCode's history edits on moor: DELETE a message / a part, PATCH a part (validated, announced), refused with a
// 409 while a turn runs; POST /session/:id/init runs the /init prompt as a turn; DELETE …/share is "not supported";
// the v2 client's GET /api/health.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createMoorApp } from "../../src/server/app.js";
import { shapeOf } from "../compat/shape.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../compat/fixtures/opencode-1.18.33/${name}.json`, import.meta.url), "utf8"));

describe("OpenCode's message edits and /init on moor", () => {
  let fx: CoreFixture;
  let app: ReturnType<typeof createMoorApp>["app"];
  beforeEach(async () => {
    fx = await openCoreFixture({
      prefix: "oc-edits",
      steps: [{ text: "first answer" }, { text: "second answer" }, { text: "slow", delayMs: 400 }],
    });
    app = createMoorApp({ core: fx.core, version: "1", defaultDirectory: fx.dir }).app;
  });
  afterEach(() => fx.close());

  const send = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  async function twoTurns() {
    const session = await fx.core.sessions.create({ directory: fx.dir });
    await fx.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    await fx.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    return { session, messages: await fx.core.sessions.messages(session.id) };
  }

  it("DELETE a message removes it and its parts, announced; a gone one is done (as OpenCode), an unknown session a 404", async () => {
    const { session, messages } = await twoTurns();
    expect(messages).toHaveLength(4);
    const victim = messages[1];
    const response = await send("DELETE", `/session/${session.id}/message/${victim.info.id}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toBe(true);
    const after = await fx.core.sessions.messages(session.id);
    expect(after.map((message) => message.info.id)).not.toContain(victim.info.id);
    expect(after).toHaveLength(3);
    const types = fx.events.map((event) => event.event.type);
    expect(types).toContain("message.removed");
    const removedParts = fx.events.filter((event) => event.event.type === "message.part.removed");
    expect(removedParts).toHaveLength(victim.parts.length);
    // Already gone: done, as OpenCode answers (fixtures/opencode-1.18.33/session-delete-message.json).
    const again = await send("DELETE", `/session/${session.id}/message/${victim.info.id}`);
    expect(again.status).toBe(200);
    expect(shapeOf(await again.json())).toEqual(shapeOf(fixture("session-delete-message")));
    const missing = await send("DELETE", `/session/ses_nope/message/${victim.info.id}`);
    expect(missing.status).toBe(404);
    expect((await missing.json()).name).toBe("NotFoundError");
  });

  it("DELETE a part removes only that part", async () => {
    const { session, messages } = await twoTurns();
    const message = messages[1];
    const text = message.parts.find((part) => part.type === "text");
    if (!text) throw new Error("no text part");
    const response = await send("DELETE", `/session/${session.id}/message/${message.info.id}/part/${text.id}`);
    expect(response.status).toBe(200);
    const reread = await fx.core.sessions.message(session.id, message.info.id);
    expect(reread.parts.map((part) => part.id)).not.toContain(text.id);
    expect(reread.parts.length).toBe(message.parts.length - 1);
    const gone = await send("DELETE", `/session/${session.id}/message/${message.info.id}/part/prt_nope`);
    expect(gone.status).toBe(200);
    expect(shapeOf(await gone.json())).toEqual(shapeOf(fixture("session-delete-part")));
  });

  it("PATCH a part replaces it and announces message.part.updated; a bad part is a 400", async () => {
    const { session, messages } = await twoTurns();
    const message = messages[1];
    const text = message.parts.find((part) => part.type === "text");
    if (text?.type !== "text") throw new Error("no text part");
    const path = `/session/${session.id}/message/${message.info.id}/part/${text.id}`;
    const response = await send("PATCH", path, { ...text, text: "edited answer" });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: text.id, text: "edited answer" });
    const reread = await fx.core.sessions.message(session.id, message.info.id);
    expect(reread.parts.find((part) => part.id === text.id)).toMatchObject({ text: "edited answer" });
    const updated = fx.events.filter(
      (event) =>
        event.event.type === "message.part.updated" &&
        (event.event.properties as { part: { id: string; text?: string } }).part.text === "edited answer",
    );
    expect(updated).toHaveLength(1);
    // Not a part at all; another part's id; another type: each a 400 with OpenCode's error fields.
    const notPart = await send("PATCH", path, { type: "text" });
    expect(notPart.status).toBe(400);
    expect((await notPart.json()).data.message).toBeTruthy();
    expect((await send("PATCH", path, { ...text, id: "prt_other" })).status).toBe(400);
    const retyped = await send("PATCH", path, { ...text, type: "reasoning", time: { start: 1 } });
    expect(retyped.status).toBe(400);
    expect((await send("PATCH", path.replace(text.id, "prt_nope"), { ...text, id: "prt_nope" })).status).toBe(404);
  });

  it("edits are refused with a 409 while a turn runs", async () => {
    const { session, messages } = await twoTurns();
    const { done } = await fx.core.sessions.submit(session.id, { parts: [{ type: "text", text: "three" }] });
    const message = messages[1];
    const text = message.parts.find((part) => part.type === "text");
    if (!text) throw new Error("no text part");
    const busy = await send("DELETE", `/session/${session.id}/message/${message.info.id}`);
    expect(busy.status).toBe(409);
    expect((await busy.json()).name).toBe("SessionBusyError");
    const path = `/session/${session.id}/message/${message.info.id}/part/${text.id}`;
    expect((await send("PATCH", path, text)).status).toBe(409);
    expect((await send("DELETE", path)).status).toBe(409);
    await done;
    expect((await send("DELETE", `/session/${session.id}/message/${message.info.id}`)).status).toBe(200);
  });

  it("POST /session/:id/init runs the /init prompt (write AGENTS.md) as a turn and answers true", async () => {
    const session = await fx.core.sessions.create({ directory: fx.dir });
    const response = await send("POST", `/session/${session.id}/init`, {
      providerID: "mock",
      modelID: "m",
      messageID: "msg_init0001",
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toBe(true);
    const prompt = JSON.stringify(fx.model.doStreamCalls[0].prompt);
    expect(prompt).toContain("AGENTS.md");
    const messages = await fx.core.sessions.messages(session.id);
    expect(messages[0].info.id).toBe("msg_init0001");
    expect(messages.at(-1)?.info.role).toBe("assistant");
    const half = await send("POST", `/session/${session.id}/init`, { providerID: "mock" });
    expect(half.status).toBe(400);
    // OpenCode's answer to a bad body (its `kind` aside): fixtures/opencode-1.18.33/error-bad-request.json.
    const { error: _error, ...opencode } = await half.json();
    const theirs = fixture("error-bad-request");
    delete theirs.data.kind;
    expect(shapeOf(opencode)).toEqual(shapeOf(theirs));
    expect((await send("POST", "/session/ses_nope/init", {})).status).toBe(404);
  });

  it("DELETE /session/:id/share says clearly that moor does not share", async () => {
    const session = await fx.core.sessions.create({ directory: fx.dir });
    const response = await send("DELETE", `/session/${session.id}/share`);
    expect(response.status).toBe(400);
    expect((await response.json()).data.message).toMatch(/not supported/);
    expect((await send("DELETE", "/session/ses_nope/share")).status).toBe(404);
  });

  it("GET /api/health answers as OpenCode's v2 client expects", async () => {
    const response = await app.request("/api/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ healthy: true });
  });
});
