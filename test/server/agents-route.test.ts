// GET /agent answers from the core's agent registry, in OpenCode's Agent shape.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AgentRegistry } from "../../src/core/agents/registry.js";
import { createCore } from "../../src/core/index.js";
import { createMoorApp } from "../../src/server/app.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { scriptedModel } from "../core/scripted-model.js";

/** OpenCode 1.18.33's Agent schema (its openapi.json): every property, and the required ones. */
const OPENCODE_AGENT = {
  properties: [
    "name",
    "description",
    "mode",
    "native",
    "hidden",
    "topP",
    "temperature",
    "color",
    "permission",
    "model",
    "variant",
    "prompt",
    "options",
    "steps",
  ],
  required: ["name", "mode", "permission", "options"],
};

describe("GET /agent", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-agent-route-"));
    store = new SqliteStore(join(dir, "moor.db"));
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lists the registry's agents, a configured one included, with only the fields OpenCode's schema has", async () => {
    const agents = new AgentRegistry(undefined, {
      overrides: [{ name: "review", description: "Reviews code", mode: "primary", limits: { edit: "deny" } }],
    });
    const core = await createCore({
      store,
      version: "1",
      settings: () => ({}),
      resolveModel: async () => ({ model: scriptedModel([]), providerID: "mock", modelID: "m" }),
      tools: [],
      agents: () => agents,
    });
    const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir });
    const response = await app.request("/agent");
    expect(response.status).toBe(200);
    const list = (await response.json()) as Record<string, unknown>[];
    expect(list.map((agent) => [agent.name, agent.mode, agent.native])).toEqual([
      ["build", "primary", true],
      ["plan", "primary", true],
      ["general", "subagent", true],
      ["explore", "subagent", true],
      ["review", "primary", false],
    ]);
    for (const agent of list) {
      for (const key of OPENCODE_AGENT.required) expect(agent).toHaveProperty(key);
      for (const key of Object.keys(agent)) expect(OPENCODE_AGENT.properties).toContain(key);
      expect(Array.isArray(agent.permission)).toBe(true);
    }
    expect(list[4]).toEqual({
      name: "review",
      description: "Reviews code",
      mode: "primary",
      native: false,
      permission: [{ permission: "edit", pattern: "*", action: "deny" }],
      options: {},
    });
    await core.shutdown();
  });
});
