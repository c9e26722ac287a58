// What an editor reads from `opencode acp` it finds in `moor acp`'s answers too (issue 18 §3): the answers OpenCode
// 1.18.33 gave scripts/acp-compare.mjs's client messages are the fixture; moor's live answers to the same messages
// carry every key OpenCode's carry (moor may add some: README.md, ACP section, lists them and why).

import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { client, methods } from "@agentclientprotocol/sdk/unstable";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnAcp } from "../fakes/acp-process.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";

const opencode = JSON.parse(
  readFileSync(new URL("../compat/fixtures/opencode-1.18.33/acp-answers.json", import.meta.url), "utf8"),
) as Record<string, Record<string, unknown>>;

/** Every key path of a value (arrays by their first element), e.g. `agentCapabilities.sessionCapabilities.list`. */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.length > 0 ? keyPaths(value[0], `${prefix}[]`) : [];
  if (!value || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...keyPaths(inner, path)];
  });
}

let llm: FakeLlm;
let child: ChildProcess | undefined;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(() => child?.kill("SIGKILL"));

describe("moor acp answers with every key opencode acp's answers have", () => {
  it("initialize, session/new, a prompt, session/list, session/load", async () => {
    const home = makeTempHome(llm.url);
    llm.script({ text: "Hello there.", usage: { prompt_tokens: 10, completion_tokens: 3 } });
    const acp = spawnAcp(home);
    child = acp.child;
    const app = client({ name: "acp-compare" }).onRequest(methods.client.session.requestPermission, () => ({
      outcome: { outcome: "cancelled" },
    }));
    const moor = await app.connectWith(acp.stream, async (ctx) => {
      const initialize = await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const created = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      const { sessionId } = created;
      const prompt = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: "hi" }],
      });
      const list = await ctx.request(methods.agent.session.list, {});
      const load = await ctx.request(methods.agent.session.load, { sessionId, cwd: home.project, mcpServers: [] });
      return {
        initialize,
        "session/new": created,
        "session/prompt": prompt,
        "session/list": list,
        "session/load": load,
      };
    });
    // Keys OpenCode has that moor leaves out on purpose: a login method (moor needs none) and OpenCode's own _meta.
    const own = new Set(["authMethods[].description", "authMethods[].name", "authMethods[].id", "_meta"]);
    for (const [step, answer] of Object.entries(moor)) {
      const missing = keyPaths(opencode[step]).filter((path) => !own.has(path) && !keyPaths(answer).includes(path));
      expect(missing, step).toEqual([]);
    }
    // The categories editors group options by, and the session capabilities, are the same set.
    const categories = (answer: { configOptions?: unknown }) =>
      ((answer.configOptions ?? []) as { category: string }[]).map((option) => option.category).sort();
    expect(categories(moor["session/new"])).toEqual(categories(opencode["session/new"]));
    const capabilities = (answer: Record<string, unknown>) =>
      Object.keys((answer.agentCapabilities as { sessionCapabilities: object }).sessionCapabilities).sort();
    expect(capabilities(moor.initialize as unknown as Record<string, unknown>)).toEqual(
      capabilities(opencode.initialize),
    );
  });
});
