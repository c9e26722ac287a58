// MCP servers as tool sources, against real servers written with the SDK: one over stdio (a child process), one
// over streamable HTTP on loopback. The model is the only fake.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { McpOptions } from "../../../src/core/mcp/manager.js";
import type { ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import { type McpHttpServer, startMcpHttpServer, startMcpSseServer } from "../../fakes/mcp-http-server.js";
import type { ScriptedStep } from "../scripted-model.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");

let fixture: CoreFixture | undefined;
let http: McpHttpServer | undefined;

afterEach(async () => {
  await fixture?.close();
  await http?.close();
  fixture = undefined;
  http = undefined;
});

async function open(steps: ScriptedStep[], mcp: (dir: string) => Partial<McpOptions>, settings = {}) {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "moor-mcp-"));
  fixture = await openCoreFixture({
    dir,
    steps,
    settings,
    core: {
      mcp: {
        servers: {},
        env: { PATH: process.env.PATH ?? "", MCP_PID_FILE: join(dir, "pids") },
        directory: dir,
        childRecords: join(dir, "mcp-children"),
        backoff: { initialMs: 50, maxMs: 200 },
        ...mcp(dir),
      },
    },
  });
  fixture.core.mcp.start();
  return fixture;
}

async function until<T>(what: () => T | undefined | false, label: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = what();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function connected(f: CoreFixture, name: string) {
  return () => f.core.mcp.status()[name]?.status === "connected";
}

async function toolParts(f: CoreFixture, sessionID: string): Promise<ToolPart[]> {
  return (await f.core.sessions.messages(sessionID))
    .flatMap((message) => message.parts)
    .filter((part): part is ToolPart => part.type === "tool");
}

/** The tool results the model was sent in its last request, as text. */
function lastToolResults(f: CoreFixture): string {
  const calls = f.model.doStreamCalls;
  return JSON.stringify(calls[calls.length - 1].prompt.filter((message) => message.role === "tool"));
}

const stdio = (label = "stdio", extra = {}) => ({
  type: "local" as const,
  command: [process.execPath, STDIO_SERVER, label],
  ...extra,
});

describe("MCP servers (core/mcp)", () => {
  it("a scripted call reaches the stdio and the HTTP server, and each result reaches the model", async () => {
    http = await startMcpHttpServer("remote");
    const url = http.url;
    const f = await open(
      [
        {
          toolCalls: [
            { name: "local_fs_echo", input: { text: "one" } },
            { name: "web_echo", input: { text: "two" } },
          ],
        },
        { text: "done" },
      ],
      () => ({
        servers: {
          "local.fs": stdio("stdio"),
          web: { type: "remote", url, headers: { "x-moor-test": "yes" } },
        },
      }),
    );
    await until(connected(f, "local.fs"), "stdio server");
    await until(connected(f, "web"), "http server");
    expect(f.core.mcp.status()).toEqual({
      "local.fs": { status: "connected", tools: 3 },
      web: { status: "connected", tools: 3 },
    });
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "use them" }] });
    const offered = f.model.doStreamCalls[0].tools?.map((tool) => tool.name) ?? [];
    expect(offered).toEqual(expect.arrayContaining(["local_fs_echo", "local_fs_hang", "web_echo"]));
    // The server's own input schema is what the model is sent.
    const echo = f.model.doStreamCalls[0].tools?.find((tool) => tool.name === "web_echo");
    expect(echo).toMatchObject({ inputSchema: { type: "object", properties: { text: { type: "string" } } } });
    const parts = await toolParts(f, session.id);
    expect(parts.map((part) => part.state.status)).toEqual(["completed", "completed"]);
    const results = lastToolResults(f);
    expect(results).toContain("stdio echo: one");
    expect(results).toContain("remote echo: two");
    expect(http.requests.some((request) => request.headers["x-moor-test"] === "yes")).toBe(true);
  });

  it("a remote server that only speaks the older SSE transport is reached by falling back to it", async () => {
    http = await startMcpSseServer("legacy");
    const url = http.url;
    const f = await open([{ toolCalls: [{ name: "old_echo", input: { text: "hi" } }] }, { text: "done" }], () => ({
      servers: { old: { type: "remote", url } },
    }));
    await until(connected(f, "old"), "sse server");
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(lastToolResults(f)).toContain("legacy echo: hi");
    // Streamable HTTP was tried first (a POST to the URL), then the SSE stream was opened.
    expect(http.requests.map((request) => request.method).slice(0, 2)).toEqual(["POST", "GET"]);
  });

  it("servers passed for one session (ACP) offer their tools in that session only, and end with it", async () => {
    const f = await open([{ text: "a" }, { text: "b" }], () => ({ servers: {} }));
    const mine = await f.core.sessions.create({ directory: f.dir });
    const other = await f.core.sessions.create({ directory: f.dir });
    await f.core.mcp.addSessionServers(mine.id, { ed: stdio("ed") });
    await f.core.sessions.prompt(mine.id, { parts: [{ type: "text", text: "1" }] });
    await f.core.sessions.prompt(other.id, { parts: [{ type: "text", text: "2" }] });
    const [first, second] = f.model.doStreamCalls.map((call) => call.tools?.map((tool) => tool.name) ?? []);
    expect(first).toContain("ed_echo");
    expect(second).not.toContain("ed_echo");
    expect(f.core.mcp.status()).toEqual({});
    const pid = Number(readFileSync(join(f.dir, "pids"), "utf8").trim());
    await f.core.mcp.closeSession(mine.id);
    expect(alive(pid)).toBe(false);
    expect(f.core.tools.forAgent("build", mine.id).get("ed_echo")).toBeUndefined();
  });

  it("a killed stdio server is reconnected; meanwhile its tools answer a clear error, then the next call works", async () => {
    const f = await open(
      [
        { toolCalls: [{ name: "s_echo", input: { text: "before" } }] },
        { text: "ok" },
        { toolCalls: [{ name: "s_echo", input: { text: "after" } }] },
        { text: "ok" },
      ],
      () => ({ servers: { s: stdio() } }),
    );
    await until(connected(f, "s"), "server");
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "1" }] });
    const first = Number(/pid (\d+)/.exec(lastToolResults(f))?.[1]);
    expect(first).toBeGreaterThan(1);
    process.kill(first, "SIGKILL");
    await until(() => f.core.mcp.status().s?.status === "failed", "the drop to be seen");
    await until(connected(f, "s"), "reconnect");
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "2" }] });
    const results = lastToolResults(f);
    expect(results).toContain("stdio echo: after");
    const second = Number(/echo: after \(pid (\d+)/.exec(results)?.[1]);
    expect(second).not.toBe(first);
  });

  it("a call to a server that is down fails at once with a clear error, and the turn goes on", async () => {
    const f = await open([{ toolCalls: [{ name: "s_echo", input: { text: "x" } }] }, { text: "went on" }], () => ({
      servers: { s: stdio() },
      backoff: { initialMs: 60_000, maxMs: 60_000 },
    }));
    await until(connected(f, "s"), "server");
    const pid = Number(readFileSync(join(f.dir, "pids"), "utf8").trim());
    process.kill(pid, "SIGKILL");
    await until(() => f.core.mcp.status().s?.status === "failed", "the drop to be seen");
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const [part] = await toolParts(f, session.id);
    expect(part.state).toMatchObject({
      status: "error",
      error: expect.stringContaining('MCP server "s" is not connected'),
    });
    expect(f.model.doStreamCalls).toHaveLength(2);
  });

  it("a tool that hangs fails at the server's timeout, is cancelled, and the turn goes on", async () => {
    const f = await open([{ toolCalls: [{ name: "slow_hang", input: {} }] }, { text: "went on" }], () => ({
      servers: { slow: stdio("stdio", { timeout: 300 }) },
    }));
    await until(connected(f, "slow"), "server");
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const [part] = await toolParts(f, session.id);
    expect(part.state).toMatchObject({
      status: "error",
      error: expect.stringContaining("did not answer within 300 ms"),
    });
    expect(f.model.doStreamCalls).toHaveLength(2);
    // The connection survives a cancelled call.
    expect(f.core.mcp.status().slow).toEqual({ status: "connected", tools: 3 });
  });

  it("notifications/tools/list_changed refreshes the tools and announces mcp.tools.changed", async () => {
    const f = await open(
      [{ toolCalls: [{ name: "s_add_tool", input: { name: "fresh" } }] }, { text: "added" }, { text: "next" }],
      () => ({ servers: { s: stdio() } }),
    );
    await until(connected(f, "s"), "server");
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "add" }] });
    await until(
      () => f.core.mcp.status().s?.status === "connected" && (f.core.mcp.status().s as { tools: number }).tools === 4,
      "refresh",
    );
    const changed = f.events.filter((envelope) => envelope.event.type === "mcp.tools.changed");
    expect(changed.length).toBeGreaterThanOrEqual(2);
    expect(changed[0].event.properties).toEqual({ server: "s" });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "again" }] });
    const offered = f.model.doStreamCalls[2].tools?.map((tool) => tool.name);
    expect(offered).toContain("s_fresh");
  });

  it("permission keys are the tool names: a wildcard rule applies, MCP tools are allowed when no rule names them", async () => {
    const f = await open(
      [
        {
          toolCalls: [
            { name: "gh_echo", input: { text: "x" } },
            { name: "other_echo", input: { text: "y" } },
          ],
        },
      ],
      () => ({ servers: { gh: stdio("gh"), other: stdio("other") } }),
      { permission: { "gh*": "deny" } },
    );
    await until(connected(f, "gh"), "gh");
    await until(connected(f, "other"), "other");
    const session = await f.core.sessions.create({ directory: f.dir });
    await f.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const parts = await toolParts(f, session.id);
    expect(parts.find((part) => part.tool === "gh_echo")?.state).toMatchObject({
      status: "error",
      error: expect.stringContaining("Permission denied"),
    });
    expect(parts.find((part) => part.tool === "other_echo")?.state.status).toBe("completed");
  });

  it("prompts become commands named <server>:<prompt>", async () => {
    const f = await open([], () => ({ servers: { s: stdio() } }));
    await until(connected(f, "s"), "server");
    const greet = (await f.core.commands.list(f.dir)).find((command) => command.name === "s:greet");
    expect(greet).toMatchObject({ description: "Greets someone.", template: "Say hello to $1." });
  });

  it("disconnect and close end the child process; disabled servers do not start", async () => {
    const f = await open([], () => ({
      servers: { s: stdio(), off: stdio("off", { enabled: false }) },
    }));
    await until(connected(f, "s"), "server");
    expect(f.core.mcp.status().off).toEqual({ status: "disabled" });
    const pids = () => readFileSync(join(f.dir, "pids"), "utf8").trim().split("\n").map(Number);
    expect(pids()).toHaveLength(1);
    const [first] = pids();
    expect(await f.core.mcp.disconnect("s")).toBe(true);
    expect(alive(first)).toBe(false);
    expect(f.core.mcp.status().s).toEqual({ status: "disabled" });
    expect(await f.core.mcp.connect("s")).toBe(true);
    expect(f.core.mcp.status().s).toMatchObject({ status: "connected" });
    // Connecting a connected server starts no second process.
    expect(await f.core.mcp.connect("s")).toBe(true);
    expect(pids()).toHaveLength(2);
    const second = pids()[1];
    expect(alive(second)).toBe(true);
    await f.core.shutdown();
    expect(alive(second)).toBe(false);
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
