// OpenCode's v2 `/api/*` routes the @opencode-ai/sdk v2 client calls, beyond the start-up reads: each answers in the
// shape (keys and types) OpenCode 1.18.33 gave for the same call (fixtures/opencode-1.18.33/api-*.json, captured
// from a real `opencode serve`; each is `{status, body}`), and its errors carry OpenCode's `_tag` and `message`
// beside moor's `{error}`. What moor has no feature for answers a 400 saying it is not supported.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCore } from "../../src/core/index.js";
import { listProviders } from "../../src/providers/resolve.js";
import { createMoorApp } from "../../src/server/app.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { scriptedModel } from "../core/scripted-model.js";
import { shapeOf } from "./shape.js";

interface Captured {
  status: number;
  body: Record<string, unknown>;
}
const fixture = (name: string): Captured =>
  JSON.parse(readFileSync(new URL(`./fixtures/opencode-1.18.33/${name}.json`, import.meta.url), "utf8"));

describe("OpenCode's v2 /api/* routes on moor", () => {
  let dir: string;
  let store: SqliteStore;
  let app: ReturnType<typeof createMoorApp>["app"];
  let core: Awaited<ReturnType<typeof createCore>>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-oc-v2-"));
    writeFileSync(join(dir, "opencode.json"), "{}\n");
    store = new SqliteStore(join(dir, "moor.db"));
    core = await createCore({
      store,
      version: "1",
      settings: () => ({}),
      resolveModel: async () => ({ model: scriptedModel([{ text: "hello" }]), providerID: "mock", modelID: "m" }),
      tools: [],
    });
    app = createMoorApp({
      core,
      version: "1",
      defaultDirectory: dir,
      providers: () =>
        listProviders({
          provider: {
            mock: {
              npm: "@ai-sdk/openai-compatible",
              name: "Mock",
              options: { baseURL: "http://127.0.0.1:9/v1", apiKey: "x" },
              models: { echo: { name: "echo" } },
            },
          },
        }),
    }).app;
  });
  afterEach(async () => {
    await core.shutdown();
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  const sameShape = (ours: { status: number; body: unknown }, name: string) => {
    const theirs = fixture(name);
    expect(ours.status, name).toBe(theirs.status);
    expect(shapeOf(ours.body), name).toEqual(shapeOf(theirs.body));
  };

  it("sessions, prompt, messages and lists answer in OpenCode's shapes", async () => {
    const created = await call("POST", "/api/session", {});
    sameShape(created, "api-session-create");
    const id = created.body.data.id;
    sameShape(await call("GET", `/api/session/${id}`), "api-session-get");
    const list = await call("GET", "/api/session");
    expect(shapeOf({ ...list.body, data: [] })).toEqual(shapeOf(fixture("api-session-list").body));
    expect(shapeOf(list.body.data[0])).toEqual(shapeOf(created.body.data));
    sameShape(await call("GET", "/api/session/active"), "api-session-active");
    sameShape(await call("POST", `/api/session/${id}/prompt`, { prompt: { text: "hi" } }), "api-session-prompt");
    // OpenCode 1.18.33 answers wait with 503 (not built yet there); moor waits for the turn and answers 204.
    expect((await call("POST", `/api/session/${id}/wait`)).status).toBe(204);
    const messages = await call("GET", `/api/session/${id}/message`);
    expect(shapeOf({ ...messages.body, data: [] })).toEqual(shapeOf(fixture("api-session-messages").body));
    expect(messages.body.data.map((message: { type: string }) => message.type)).toEqual(["user", "assistant"]);
    expect(messages.body.data[1].content).toEqual([{ type: "text", id: expect.any(String), text: "hello" }]);
    sameShape({ ...(await call("GET", `/api/session/${id}/context`)), body: { data: [] } }, "api-session-context");
    for (const [path, name] of [
      [`/api/session/${id}/permission`, "api-session-permission-list"],
      [`/api/session/${id}/question`, "api-session-question-list"],
      ["/api/permission/request", "api-permission-request"],
      ["/api/permission/saved", "api-permission-saved"],
      ["/api/question/request", "api-question-request"],
      ["/api/pty", "api-pty-list"],
    ]) {
      sameShape(await call("GET", path), name);
    }
    // OpenCode echoes the provider's apiKey in `api.settings`; moor never sends a secret to a client.
    const provider = await call("GET", "/api/provider/mock");
    expect(provider.body.data.api.settings).toEqual({});
    const theirs = fixture("api-provider-get").body as { data: { api: { settings: unknown } } };
    theirs.data.api.settings = {};
    expect(shapeOf(provider.body)).toEqual(shapeOf(theirs));
  });

  it("file reads and one integration answer in OpenCode's shapes", async () => {
    sameShape(await call("GET", "/api/fs/list?path=."), "api-fs-list");
    sameShape(await call("GET", "/api/fs/find?query=open"), "api-fs-find");
    const read = await app.request("/api/fs/read/opencode.json");
    expect(read.status).toBe(200);
    expect(await read.text()).toBe("{}\n");
    sameShape(await call("GET", "/api/integration/mock"), "api-integration-get");
    // Confined to the request's directory, as moor's /file routes are.
    const outside = await call("GET", "/api/fs/read/..%2F..%2Fetc%2Fpasswd");
    expect(outside.status).toBe(403);
    expect(outside.body.error.code).toBe("forbidden");
  });

  it("errors carry OpenCode's _tag and message beside moor's error", async () => {
    const { body: created } = await call("POST", "/api/session", {});
    const id = created.data.id;
    for (const [ours, name] of [
      [
        await call("POST", `/api/session/${id}/permission/per_nope/reply`, { reply: "once" }),
        "api-session-permission-reply-unknown",
      ],
      [
        await call("POST", `/api/session/${id}/revert/stage`, { messageID: "msg_nope" }),
        "api-session-revert-stage-unknown",
      ],
    ] as const) {
      const theirs = fixture(name);
      expect(ours.status, name).toBe(theirs.status);
      expect(ours.body._tag, name).toBe(theirs.body._tag);
      expect(typeof ours.body.message).toBe("string");
      expect(ours.body.error.code).toBe("not_found");
    }
    const missing = await call("GET", "/api/session/ses_nope");
    expect(missing.status).toBe(404);
    expect(missing.body._tag).toBe("SessionNotFoundError");
    const bad = await call("POST", `/api/session/${id}/prompt`, { prompt: {} });
    expect(bad.status).toBe(400);
    expect(bad.body._tag).toBe("InvalidRequestError");
    // A terminal: moor has none; the answer says so in OpenCode's error shape.
    const pty = await call("POST", "/api/pty", {});
    expect(pty.status).toBe(400);
    expect(pty.body._tag).toBe("InvalidRequestError");
    expect(pty.body.error.code).toBe("bad_request");
    expect(pty.body.message).toMatch(/not supported/);
  });
});
