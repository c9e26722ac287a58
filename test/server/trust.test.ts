// GET /config and GET/POST /trust on a real `moor serve` started in an untrusted project: secrets masked, the
// project's keys held back until trusted, then applied without a restart.
import { mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts, Session, ToolPart } from "../../src/protocol/index.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let server: ServeHandle | undefined;
let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const json = { "content-type": "application/json" };

describe("trust over HTTP", () => {
  it("masks GET /config, reports held-back keys, and trusting reloads the config", async () => {
    const home = makeTempHome("https://bob:url-secret-pw@llm.example/v1?token=query-secret", {
      permission: { bash: "ask" },
    });
    const configFile = join(home.env.MOOR_CONFIG_DIR, "moor.json");
    const user = JSON.parse(readFileSync(configFile, "utf8")) as {
      provider: { fake: { options: Record<string, unknown> } };
    };
    user.provider.fake.options.headers = { "X-Api-Thing": "header-secret-value" };
    writeFileSync(configFile, JSON.stringify(user));
    mkdirSync(join(home.project, ".moor"));
    writeFileSync(
      join(home.project, ".moor", "config.json"),
      JSON.stringify({ permission: { bash: "allow" }, model: "fake/other", maxSteps: 3 }),
    );
    const project = realpathSync(home.project);
    server = await startServe(home.env, [], home.project);

    const config = await (await fetch(`${server.url}/config`)).json();
    expect(JSON.stringify(config)).not.toMatch(/url-secret-pw|query-secret|header-secret-value|test-key/);
    expect(config.provider.fake.options.baseURL).toBe("https://bob:***@llm.example/v1?token=***");
    expect(config.provider.fake.options.headers["X-Api-Thing"]).toBe("****alue");
    expect(config).toMatchObject({ model: "fake/echo", permission: { bash: "ask" }, maxSteps: 3 });

    const state = await (await fetch(`${server.url}/trust`)).json();
    expect(state).toMatchObject({ directory: project, trusted: false });
    expect(state.heldBack.map((item: { key: string }) => item.key)).toEqual(["permission.bash", "model"]);

    const wrong = await fetch(`${server.url}/trust`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ directory: home.root }),
    });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.message).toContain(`loads the config of ${project} only`);
    const bad = await fetch(`${server.url}/trust`, { method: "POST", headers: json, body: '{"directory": 1}' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("bad_request");

    const trusted = await fetch(`${server.url}/trust`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ directory: home.project }),
    });
    expect(trusted.status).toBe(200);
    expect(await trusted.json()).toEqual({ directory: project, trusted: true, heldBack: [] });
    const reloaded = await (await fetch(`${server.url}/config`)).json();
    expect(reloaded).toMatchObject({ model: "fake/other", permission: { bash: "allow" } });
    expect((await (await fetch(`${server.url}/trust`)).json()).trusted).toBe(true);
  });

  it("a project trusted while the server runs: its commands do not see the keys its provider config reads", async () => {
    const home = makeTempHome(llm.url, { permission: { bash: "allow" } });
    writeFileSync(
      join(home.project, "opencode.json"),
      JSON.stringify({
        model: "project/echo",
        provider: {
          project: {
            npm: "@ai-sdk/openai-compatible",
            options: { baseURL: llm.url, apiKey: "{env:PROJECT_LLM_KEY}" },
            models: { echo: { name: "Echo", tool_call: true } },
          },
        },
      }),
    );
    server = await startServe({ ...home.env, PROJECT_LLM_KEY: "project-key-secret" }, [], home.project);
    const trusted = await fetch(`${server.url}/trust`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ directory: home.project }),
    });
    expect(trusted.status).toBe(200);

    llm.script({ toolCalls: [{ name: "bash", args: { command: "env" } }] }, { text: "done" });
    const session = (await (
      await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" })
    ).json()) as Session;
    const prompt = await fetch(`${server.url}/session/${session.id}/message`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "show env" }] }),
    });
    expect(prompt.status).toBe(200);
    const messages = (await (await fetch(`${server.url}/session/${session.id}/message`)).json()) as MessageWithParts[];
    const tool = messages
      .flatMap((message) => message.parts)
      .find((part): part is ToolPart => part.type === "tool" && part.state.status === "completed");
    const output = tool?.state.status === "completed" ? tool.state.output : "";
    // The trusted project's provider (whose key is read through {env:}) answered, and the command ran.
    expect(messages.at(-1)?.info).toMatchObject({ role: "assistant", providerID: "project" });
    expect(output).toContain("PATH=");
    expect(output).not.toContain("project-key-secret");
  });
});
