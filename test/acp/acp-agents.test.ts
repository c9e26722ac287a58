// ACP's session modes are the registry's primary agents, in-process and in front of a server (`--attach`):
// a configured third agent is offered and used, and so is a markdown agent of the project's .moor/agents; a subagent
// or hidden agent is not, and an unknown mode is a JSON-RPC invalid-params error naming the modes there are.
import type { ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { client, methods, RequestError } from "@agentclientprotocol/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { spawnAcp as spawnSharedAcp } from "../fakes/acp-process.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let child: ChildProcess | undefined;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  child?.kill("SIGKILL");
  child = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
  rmSync(home.root, { recursive: true, force: true });
});

const AGENTS = {
  review: { description: "Reviews code", mode: "primary" },
  secret: { mode: "primary", hidden: true },
  helper: { mode: "subagent" },
};

/** A primary agent written as markdown in the project (untrusted: it may only narrow, which it does not need to). */
function writeDocsAgent(): void {
  mkdirSync(join(home.project, ".moor", "agents"), { recursive: true });
  writeFileSync(
    join(home.project, ".moor", "agents", "docs.md"),
    "---\ndescription: Writes the docs\nmode: primary\n---\nYou write documentation.",
  );
}

function spawnAcp(args: string[] = []) {
  const acp = spawnSharedAcp(home, args);
  child = acp.child;
  return acp.stream;
}

async function modesAndPrompt(args: string[]): Promise<string | undefined> {
  llm.script({ text: "reviewed" });
  const app = client({ name: "test-editor" }).onNotification(methods.client.session.update, () => {});
  return app.connectWith(spawnAcp(args), async (ctx) => {
    await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
    const session = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
    expect(session.modes?.currentModeId).toBe("build");
    expect(session.modes?.availableModes).toEqual([
      { id: "build", name: "Build", description: "The default agent: reads, edits and runs commands." },
      { id: "plan", name: "Plan", description: "Plans without changing files." },
      { id: "review", name: "Review", description: "Reviews code" },
      { id: "docs", name: "Docs", description: "Writes the docs" },
    ]);
    for (const modeId of ["bogus", "helper", "general"]) {
      const refused = await ctx.request(methods.agent.session.setMode, { sessionId: session.sessionId, modeId }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(RequestError);
      expect((refused as RequestError).code).toBe(-32602);
      expect((refused as RequestError).message).toBe(
        `Invalid params: unknown mode ${modeId}; available modes: build, plan, review, docs`,
      );
    }
    await ctx.request(methods.agent.session.setMode, { sessionId: session.sessionId, modeId: "review" });
    const result = await ctx.request(methods.agent.session.prompt, {
      sessionId: session.sessionId,
      prompt: [{ type: "text", text: "review it" }],
    });
    expect(result.stopReason).toBe("end_turn");
    return session.sessionId;
  });
}

describe("ACP modes come from the agent registry", () => {
  it("in-process: the config's primary agents are the modes, and the chosen one runs the prompt", async () => {
    home = makeTempHome(llm.url, { agent: AGENTS });
    writeDocsAgent();
    const sessionId = await modesAndPrompt([]);
    expect(sessionId).toMatch(/^ses_/);
  });

  it("with --attach: the server's primary agents (GET /agent) are the modes", async () => {
    home = makeTempHome(llm.url, { agent: AGENTS });
    writeDocsAgent();
    server = await startServe(home.env, [], home.project);
    const sessionId = await modesAndPrompt(["--attach", server.url]);
    const messages = (await (await fetch(`${server.url}/session/${sessionId}/message`)).json()) as MessageWithParts[];
    expect(messages[0].info).toMatchObject({ role: "user", agent: "review" });
  });
});
