// The routes OpenCode's TUI and SDK call that answered 404 on moor: each now answers, in the shape (keys and types)
// OpenCode 1.18.33 gave for the same call (fixtures/opencode-1.18.33/, captured from `opencode serve`).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createCore } from "../../src/core/index.js";
import { listProviders } from "../../src/providers/resolve.js";
import { createMoorApp } from "../../src/server/app.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { scriptedModel } from "../core/scripted-model.js";
import { shapeOf } from "./shape.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/opencode-1.18.33/${name}.json`, import.meta.url), "utf8"));

describe("OpenCode's TUI/SDK routes on moor", () => {
  let dir: string;
  let store: SqliteStore;
  let app: ReturnType<typeof createMoorApp>["app"];
  let core: Awaited<ReturnType<typeof createCore>>;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-oc-routes-"));
    store = new SqliteStore(join(dir, "moor.db"));
    core = await createCore({
      store,
      version: "1",
      settings: () => ({}),
      resolveModel: async () => ({ model: scriptedModel([]), providerID: "mock", modelID: "m" }),
      tools: [],
    });
    app = createMoorApp({
      core,
      version: "1",
      defaultDirectory: dir,
      home: "/home/someone",
      providers: () =>
        listProviders({
          provider: {
            mock: {
              npm: "@ai-sdk/openai-compatible",
              name: "Mock",
              options: { baseURL: "http://127.0.0.1:9/v1", apiKey: "x" },
              models: { echo: { name: "echo", limit: { context: 1000, output: 100 } } },
            },
          },
        }),
      paths: { state: join(dir, "state"), config: join(dir, "config") },
    }).app;
  });
  afterEach(async () => {
    await core.shutdown();
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const response = await app.request(path);
    expect(response.status, path).toBe(200);
    return response.json();
  };

  it("static and derived GETs answer 200 in OpenCode's shape", async () => {
    for (const [path, name] of [
      ["/experimental/capabilities", "experimental-capabilities"],
      ["/experimental/console", "experimental-console"],
      ["/experimental/workspace", "experimental-workspace"],
      ["/experimental/resource", "experimental-resource"],
      ["/project/global/directories", "project-global-directories"],
      ["/question", "question"],
      ["/path", "path"],
      ["/project", "project"],
      ["/project/current", "project-current"],
    ]) {
      expect(shapeOf(await get(path)), path).toEqual(shapeOf(fixture(name)));
    }
    // Records and lists whose entries moor does not have (login methods, skills): the container's type matches.
    expect(shapeOf(await get("/provider/auth"))).toEqual({});
    expect(await get("/skill")).toEqual([]);
    const ids = await get("/experimental/tool/ids");
    expect(shapeOf(ids)).toEqual(shapeOf(fixture("experimental-tool-ids")));
    // The core's own task tool (this core has no built-ins).
    expect(ids).toContain("task");
  });

  it("/path fills home; /project/current has real times (its sessions')", async () => {
    expect((await get("/path")).home).toBe("/home/someone");
    const before = Date.now();
    const empty = await get(`/project/current?directory=${encodeURIComponent(dir)}`);
    expect(empty.time.created).toBeGreaterThanOrEqual(before);
    const session = await core.sessions.create({ directory: dir });
    const project = await get(`/project/current?directory=${encodeURIComponent(dir)}`);
    expect(project.time).toEqual({ created: session.time.created, updated: session.time.updated });
    expect(project.worktree).toBe(dir);
  });

  it("POST /log takes a client's log line; a bad one is a 400", async () => {
    const ok = await app.request("/log", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ service: "tui", level: "info", message: "hi" }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toBe(true);
    const bad = await app.request("/log", { method: "POST", body: JSON.stringify({ level: "loud" }) });
    expect(bad.status).toBe(400);
  });

  it("errors carry OpenCode's {name, data:{message}} beside moor's {error}", async () => {
    const missing = await app.request("/session/ses_nope");
    expect(missing.status).toBe(404);
    const body = await missing.json();
    const { error, ...opencode } = body;
    expect(error.code).toBe("not_found");
    expect(shapeOf(opencode)).toEqual(shapeOf(fixture("error-not-found")));
    expect(opencode).toEqual({ name: "NotFoundError", data: { message: error.message } });
  });

  it("POST /session/:id/share says clearly that moor does not share", async () => {
    const session = await core.sessions.create({ directory: dir });
    const response = await app.request(`/session/${session.id}/share`, { method: "POST" });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.name).toBe("BadRequest");
    expect(body.data.message).toMatch(/not supported/);
    expect((await app.request("/session/ses_nope/share", { method: "POST" })).status).toBe(404);
  });

  it("the v2 /api/* routes OpenCode's TUI reads answer {location, data} in OpenCode's shapes", async () => {
    expect(shapeOf(await get("/api/location"))).toEqual(shapeOf(fixture("api-location")));
    expect(shapeOf(await get("/experimental/workspace/status"))).toEqual("[]");
    const item = (value: { data: unknown[] }) => value.data[0] as Record<string, unknown>;
    for (const name of ["model", "provider", "agent", "command"]) {
      const ours = await get(`/api/${name}`);
      const theirs = fixture(`api-${name}`);
      expect(shapeOf(ours.location)).toEqual(shapeOf(theirs.location));
      // Optional keys OpenCode sets on some items only (an agent's own system prompt, a command's subtask flag).
      const { system: _s, subtask: _t, ...theirItem } = item(theirs);
      // An agent with rules (the plan agent's edit limits): the build agent of this bare core has none.
      const sample = name === "agent" ? ours.data.find((agent: { id: string }) => agent.id === "plan") : item(ours);
      const { system: _s2, subtask: _t2, ...ourItem } = sample;
      // The apiKey OpenCode echoes in `api.settings`: moor never sends a secret to a client.
      delete (theirItem.api as { settings?: Record<string, unknown> } | undefined)?.settings?.apiKey;
      expect(shapeOf(ourItem), name).toEqual(shapeOf(theirItem));
    }
    const model = item(await get("/api/model"));
    expect(model).toMatchObject({ id: "echo", providerID: "mock", limit: { context: 1000, output: 100 } });
    expect(JSON.stringify(await get("/api/provider"))).not.toContain("apiKey");
    for (const name of ["skill", "reference", "integration"]) expect((await get(`/api/${name}`)).data).toEqual([]);
  });

  it("abort on an idle session answers true, as OpenCode's does; an unknown session is a 404", async () => {
    const session = await core.sessions.create({ directory: dir });
    const idle = await app.request(`/session/${session.id}/abort`, { method: "POST" });
    expect(idle.status).toBe(200);
    expect(await idle.json()).toBe(true);
    expect((await app.request("/session/ses_nope/abort", { method: "POST" })).status).toBe(404);
  });
});
