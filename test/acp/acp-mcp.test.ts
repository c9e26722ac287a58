// The MCP servers an editor passes in session/new are started for that session (a stdio child and a streamable
// HTTP server on loopback): the model's calls reach them and their results reach the model; initialize
// advertises mcpCapabilities.
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { resolve } from "node:path";
import { client, methods } from "@agentclientprotocol/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { spawnAcp } from "../fakes/acp-process.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type McpHttpServer, startMcpHttpServer } from "../fakes/mcp-http-server.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");

let llm: FakeLlm;
let http: McpHttpServer;
let home: TempHome | undefined;
let child: ChildProcess | undefined;
let editorPids: number[] = [];

beforeAll(async () => {
  llm = await startFakeLlm();
  http = await startMcpHttpServer("editor-http");
});
afterAll(async () => {
  await llm.close();
  await http.close();
});
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
  for (const pid of editorPids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  editorPids = [];
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe("ACP mcpServers", () => {
  it("session/new starts the editor's stdio and HTTP servers; the model's calls reach both", async () => {
    home = makeTempHome(llm.url);
    llm.script(
      {
        toolCalls: [
          { name: "editor-stdio_echo", args: { text: "from stdio" } },
          { name: "editor-http_echo", args: { text: "from http" } },
        ],
      },
      { text: "both answered" },
    );
    const acp = spawnAcp(home);
    child = acp.child;
    const app = client({ name: "test-editor" })
      .onNotification(methods.client.session.update, () => {})
      .onRequest(methods.client.session.requestPermission, () => ({ outcome: { outcome: "cancelled" } }));
    await app.connectWith(acp.stream, async (ctx) => {
      const init = await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      expect(init.agentCapabilities?.mcpCapabilities).toEqual({ http: true, sse: true });
      const session = await ctx.request(methods.agent.session.new, {
        cwd: home?.project ?? "",
        mcpServers: [
          { name: "editor-stdio", command: process.execPath, args: [STDIO_SERVER, "editor-stdio"], env: [] },
          { type: "http", name: "editor-http", url: http.url, headers: [{ name: "x-editor", value: "zed" }] },
        ],
      });
      const result = await ctx.request(methods.agent.session.prompt, {
        sessionId: session.sessionId,
        prompt: [{ type: "text", text: "use both" }],
      });
      expect(result.stopReason).toBe("end_turn");
    });
    const [first, second] = llm.requests;
    expect(first.tools?.map((tool) => tool.function.name)).toEqual(
      expect.arrayContaining(["editor-stdio_echo", "editor-http_echo"]),
    );
    const results = JSON.stringify(second.messages.filter((message) => message.role === "tool"));
    expect(results).toContain("editor-stdio echo: from stdio");
    expect(results).toContain("editor-http echo: from http");
    expect(http.requests.some((request) => request.headers["x-editor"] === "zed")).toBe(true);
    // The editor stopping its agent (SIGTERM) ends the session's stdio server with it.
    const pid = Number(/editor-stdio echo: from stdio \(pid (\d+)\)/.exec(results)?.[1]);
    editorPids = [pid];
    expect(alive(pid)).toBe(true);
    const exited = new Promise((resolve) => child?.once("exit", resolve));
    child?.kill("SIGTERM");
    await exited;
    expect(alive(pid)).toBe(false);
  });
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
