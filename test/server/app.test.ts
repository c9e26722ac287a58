import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/index.js";
import { createMoorApp } from "../../src/server/app.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import { openIdleCore } from "../fakes/idle-core.js";

describe("server app (app.request)", () => {
  let dir: string;
  let store: SqliteStore;
  let core: Core;
  beforeEach(async () => {
    ({ dir, store, core } = await openIdleCore("app", "1.2.3"));
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it("disconnects a client that does not read, with a reason, instead of buffering without bound", async () => {
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir, sseBufferLimit: 50 });
    const response = await app.request("/event");
    for (let i = 0; i < 500; i++) core.bus.publish("session.idle", { sessionID: `ses_${i}` }, { directory: dir });
    const text = await response.text();
    expect(text).toMatch(/"type":"server.resync","properties":\{"reason":"client too slow/);
    const frames = text.split("\n\n").filter((frame) => frame.includes("data:"));
    expect(frames.length).toBeLessThan(120);
  });

  it("filters /event by directory and wraps /global/event", async () => {
    const { app, endStreams } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    const scoped = await app.request(`/event?directory=${encodeURIComponent("/a")}`);
    const global = await app.request("/global/event");
    core.bus.publish("session.idle", { sessionID: "ses_a" }, { directory: "/a" });
    core.bus.publish("session.idle", { sessionID: "ses_b" }, { directory: "/b" });
    endStreams("test over");
    const scopedText = await scoped.text();
    expect(scopedText).toContain("ses_a");
    expect(scopedText).not.toContain("ses_b");
    expect(scopedText).toContain("server.instance.disposed");
    const globalText = await global.text();
    expect(globalText).toContain('{"directory":"/b","payload":{"type":"session.idle"');
  });

  it("serves an OpenAPI 3.1 document generated from the route schemas", async () => {
    const { app } = createMoorApp({ core, version: "1.2.3", defaultDirectory: dir });
    const doc = (await (await app.request("/doc")).json()) as {
      openapi: string;
      info: { version: string };
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[] } }> } }>
      >;
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.info.version).toBe("1.2.3");
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(["/session", "/session/{sessionID}/message", "/event", "/permission/{requestID}/reply"]),
    );
    const prompt = doc.paths["/session/{sessionID}/message"].post.requestBody!.content["application/json"].schema;
    expect(prompt.required).toContain("parts");
  });

  it("PATCH time.archived archives a session as OpenCode does: listed with it, its update time kept; null undoes it", async () => {
    // OpenCode 1.18.33, captured: 200 with time.archived set and time.updated unchanged, GET /session still lists
    // it, {"archived":"x"} a 400 (it answers null with the old time kept; here null un-archives).
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    type Listed = { id: string; title: string; time: { updated: number; archived?: number } };
    const created = (await (await app.request("/session", { method: "POST", body: "" })).json()) as Listed;
    const patch = (body: unknown) =>
      app.request(`/session/${created.id}`, { method: "PATCH", body: JSON.stringify(body) });
    const archived = (await (await patch({ time: { archived: 1764600000000 } })).json()) as Listed;
    expect(archived.time).toEqual({ ...created.time, archived: 1764600000000 });
    expect(archived.title).toBe(created.title);
    const listed = (await (await app.request("/session")).json()) as Listed[];
    expect(listed.find((session) => session.id === created.id)?.time.archived).toBe(1764600000000);
    const refused = await patch({ time: { archived: "x" } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("bad_request");
    const both = (await (await patch({ title: "kept", time: { archived: null } })).json()) as Listed;
    expect(both.title).toBe("kept");
    expect(both.time.archived).toBeUndefined();
    expect(((await (await app.request(`/session/${created.id}`)).json()) as Listed).time.archived).toBeUndefined();
  });

  it("answers unknown routes and ids with 404 JSON errors, and PATCH/DELETE work", async () => {
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    expect((await app.request("/nope")).status).toBe(404);
    const created = (await (await app.request("/session", { method: "POST", body: "" })).json()) as {
      id: string;
      directory: string;
    };
    expect(created.directory).toBe(dir);
    const renamed = await app.request(`/session/${created.id}`, {
      method: "PATCH",
      body: JSON.stringify({ title: "renamed" }),
    });
    expect(((await renamed.json()) as { title: string }).title).toBe("renamed");
    expect(await (await app.request(`/session/${created.id}`, { method: "DELETE" })).json()).toBe(true);
    const gone = await app.request(`/session/${created.id}`);
    expect(gone.status).toBe(404);
    expect(((await gone.json()) as { error: { code: string } }).error.code).toBe("not_found");
    const reply = await app.request("/permission/per_unknown/reply", {
      method: "POST",
      body: JSON.stringify({ reply: "once" }),
    });
    expect(reply.status).toBe(404);
    const badReply = await app.request("/permission/per_unknown/reply", {
      method: "POST",
      body: JSON.stringify({ reply: "maybe" }),
    });
    expect(badReply.status).toBe(400);
  });
});
