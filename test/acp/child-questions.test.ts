// ACP asks the editor the permission questions of the prompted session's descendants (a session created with
// parentID = it, as a task tool will), since the child's turn waits on them. In-process (`moor acp --port`, the
// child made over the same process's HTTP API) and in front of a server (`moor acp --attach`).
import { type ChildProcess, spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { client, methods, ndJsonStream, type SessionNotification } from "@agentclientprotocol/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageWithParts, ToolPart } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let acp: ChildProcess | undefined;
let server: ServeHandle | undefined;

beforeEach(async () => {
  llm = await startFakeLlm();
  home = makeTempHome(llm.url, { permission: { bash: "ask" } });
});
afterEach(async () => {
  acp?.kill("SIGKILL");
  acp = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
  await llm.close();
});

const json = { "content-type": "application/json" };

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("ACP and child sessions' questions", () => {
  for (const mode of ["in-process", "attached"] as const) {
    it(`asks the editor a child session's question during the parent's prompt (${mode})`, async () => {
      let url: string | undefined;
      let stderr = "";
      if (mode === "attached") {
        server = await startServe(home.env, [], home.project);
        url = server.url;
      }
      acp = spawn(
        process.execPath,
        [MOOR_BIN, "acp", "--cwd", home.project, ...(url ? ["--attach", url] : ["--port", "0"])],
        { env: home.env, stdio: ["pipe", "pipe", "pipe"] },
      );
      acp.stderr!.on("data", (chunk) => {
        stderr += chunk;
      });
      const stream = ndJsonStream(
        Writable.toWeb(acp.stdin!) as WritableStream<Uint8Array>,
        Readable.toWeb(acp.stdout!) as ReadableStream<Uint8Array>,
      );
      const updates: SessionNotification[] = [];
      const asked: string[] = [];
      const app = client({ name: "test-editor" })
        .onNotification(methods.client.session.update, ({ params }) => {
          updates.push(params);
        })
        .onRequest(methods.client.session.requestPermission, ({ params }) => {
          asked.push(params.toolCall.title ?? "");
          return { outcome: { outcome: "selected", optionId: "allow_once" } };
        });
      await app.connectWith(stream, async (ctx) => {
        await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
        const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
        if (!url) {
          await until(() => /HTTP API on (\S+)/.test(stderr), "the HTTP API");
          url = /HTTP API on (\S+)/.exec(stderr)![1];
        }
        llm.script({ text: "parent still talking ".repeat(16), delayMs: 60 });
        const prompt = ctx.request(methods.agent.session.prompt, {
          sessionId,
          prompt: [{ type: "text", text: "delegate" }],
        });
        await until(
          () => updates.some((u) => u.update.sessionUpdate === "agent_message_chunk"),
          "the parent's reply to stream",
        );
        llm.script({ toolCalls: [{ name: "bash", args: { command: "echo from-child" } }] }, { text: "child done" });
        const post = (path: string, body: unknown) =>
          fetch(`${url}${path}`, {
            method: "POST",
            headers: json,
            body: JSON.stringify(body),
            // A turn whose question nobody answers never ends: fail in bounded time instead.
            signal: AbortSignal.timeout(10_000),
          });
        const child = (await (await post("/session", { parentID: sessionId })).json()) as { id: string };
        expect((await post(`/session/${child.id}/message`, { parts: [{ type: "text", text: "go" }] })).status).toBe(
          200,
        );
        const messages = (await (await fetch(`${url}/session/${child.id}/message`)).json()) as MessageWithParts[];
        const tool = messages
          .flatMap((message) => message.parts)
          .find((part): part is ToolPart => part.type === "tool" && part.tool === "bash");
        expect(tool?.state.status).toBe("completed");
        expect(asked).toEqual([`bash echo from-child (asked in sub-session ${child.id})`]);
        expect((await prompt).stopReason).toBe("end_turn");
      });
    }, 30_000);
  }
});
