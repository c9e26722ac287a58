// What `moor serve` and `moor acp` load before they answer (DESIGN.md §6, issue 18 §5): the heavy packages (MCP's
// SDK, the language-server client, markdown and highlighting, the provider SDKs) only when first needed, and `moor
// acp` answers `initialize` before the ACP SDK and the core load. Real child processes of the plain compiled CLI,
// with test/fakes/record-loads.mjs listing every module they load and every stdout write, in order. Timing goals
// live in `npm run bench`; this catches an eager import coming back.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { initializeResult } from "../../src/acp/initialize-result.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";

const RECORDER = fileURLToPath(new URL("../fakes/record-loads.mjs", import.meta.url));
const CLI = fileURLToPath(new URL("../fakes/run-dist-cli.mjs", import.meta.url));
const BIN = fileURLToPath(new URL("../../bin/moor.cjs", import.meta.url));
const VERSION = JSON.parse(readFileSync("package.json", "utf8")).version;

/** Packages no command needs before its first turn (or first MCP server, language server, rendered reply). */
const HEAVY = /node_modules\/(@modelcontextprotocol\/sdk|vscode-jsonrpc|marked|lowlight|@ai-sdk\/[^/]+|ink|react)\//;

let llm: FakeLlm;
let child: ChildProcess | undefined;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

/** `entry`: the plain compiled CLI, or bin/moor.cjs (the bundle with its code cache, as `moor` runs). */
function spawnRecorded(home: TempHome, args: string[], entry = CLI) {
  const loads = join(home.root, "loads.txt");
  const started = spawn(process.execPath, ["--import", RECORDER, entry, ...args], {
    cwd: home.project,
    env: { ...home.env, MOOR_TEST_LOADS_FILE: loads },
    stdio: ["pipe", "pipe", "pipe"],
  });
  child = started;
  let stdout = "";
  started.stdout?.on("data", (chunk) => {
    stdout += chunk;
  });
  /** Resolves with stdout once it matches (rejects when the process exits first). */
  const waitFor = (pattern: RegExp) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        if (pattern.test(stdout)) {
          started.stdout?.off("data", check);
          started.off("exit", exited);
          resolve(stdout);
        }
      };
      const exited = () => reject(new Error(`moor exited before ${pattern}: ${stdout}`));
      started.stdout?.on("data", check);
      started.once("exit", exited);
      check();
    });
  const loaded = () => readFileSync(loads, "utf8").split("\n");
  return { child: started, waitFor, loaded };
}

/** The recorded lines before the first stdout write that matches `pattern`. */
function linesBefore(lines: string[], pattern: RegExp): string[] {
  const at = lines.findIndex((line) => line.startsWith("stdout: ") && pattern.test(line));
  expect(at).toBeGreaterThan(0);
  return lines.slice(0, at);
}

describe("lazy start", () => {
  it("moor serve answers health, sessions and providers without MCP, LSP, markdown or provider packages", async () => {
    const home = makeTempHome(llm.url);
    const serve = spawnRecorded(home, ["serve", "--port", "0"]);
    const url = /moor listening on (\S+)/.exec(await serve.waitFor(/moor listening on \S+\n/))?.[1];
    for (const path of ["/global/health", "/session", "/config/providers", "/agent", "/command"]) {
      expect((await fetch(`${url}${path}`)).status).toBe(200);
    }
    const beforeTurn = serve.loaded();
    expect(beforeTurn.some((line) => line.endsWith("/dist/cli/serve.js"))).toBe(true);
    expect(beforeTurn.filter((line) => HEAVY.test(line))).toEqual([]);

    // The recorder sees them once a turn needs one: the provider's package.
    llm.script({ text: "hello" });
    const session = (await (
      await fetch(`${url}/session`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" })
    ).json()) as { id: string };
    const reply = await fetch(`${url}/session/${session.id}/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parts: [{ type: "text", text: "hi" }] }),
    });
    expect(reply.status).toBe(200);
    expect(serve.loaded().some((line) => /node_modules\/@ai-sdk\/openai-compatible\//.test(line))).toBe(true);
  });

  it("moor serve with no `mcp` config never loads the MCP manager, even after the delayed MCP start and GET /mcp", async () => {
    const home = makeTempHome(llm.url);
    const serve = spawnRecorded(home, ["serve", "--port", "0"]);
    const url = /moor listening on (\S+)/.exec(await serve.waitFor(/moor listening on \S+\n/))?.[1];
    // serve starts the MCP servers 250 ms after it answers (cli/serve.ts): past that, and asked for their status.
    await new Promise((resolve) => setTimeout(resolve, 400));
    const status = await fetch(`${url}/mcp`);
    expect(status.status).toBe(200);
    expect(await status.json()).toEqual({});
    const session = await fetch(`${url}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(session.status).toBe(200);
    const loaded = serve.loaded();
    expect(loaded.some((line) => line.endsWith("/dist/core/mcp/mcp-on-demand.js"))).toBe(true);
    // The manager, its connections and child records (which read a file at start) are built on first need only.
    expect(loaded.filter((line) => /\/dist\/core\/mcp\/(manager|connection|child-records)\.js$/.test(line))).toEqual(
      [],
    );
  });

  it("moor acp answers initialize before loading the ACP SDK or the core, then session/new without MCP or providers", async () => {
    const home = makeTempHome(llm.url);
    const acp = spawnRecorded(home, ["acp", "--cwd", home.project]);
    const send = (message: object) => acp.child.stdin?.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    send({ id: 1, method: "initialize", params: { protocolVersion: 1, clientCapabilities: {} } });
    const first = JSON.parse((await acp.waitFor(/\n/)).split("\n")[0]);
    // The answer the SDK's handler gives (test/acp/early-initialize.test.ts checks they agree).
    expect(first).toEqual({
      jsonrpc: "2.0",
      id: 1,
      result: initializeResult({ version: VERSION, imageInput: false, fork: true, sessionMcpServers: true }),
    });
    send({ id: 2, method: "session/new", params: { cwd: home.project, mcpServers: [] } });
    const second = JSON.parse((await acp.waitFor(/"id":2/)).split("\n").find((line) => line.includes('"id":2')) ?? "");
    expect(second.result.sessionId).toMatch(/^ses_/);

    const lines = acp.loaded();
    const beforeInitialize = linesBefore(lines, /"id":1,/);
    expect(beforeInitialize.some((line) => line.endsWith("/dist/cli/acp.js"))).toBe(true);
    expect(beforeInitialize.filter((line) => /@agentclientprotocol\/sdk|\/dist\/core\/index\.js/.test(line))).toEqual(
      [],
    );
    // Nor the client library, the protocol's schemas or an HTTP(S) fetch (acp.ts took its password helper from
    // server-target.ts, which brought all three: ~50 ms before the first answer), nor node:crypto (~4 ms: 17 modules;
    // the trust list's temporary file name brought it).
    expect(
      beforeInitialize.filter((line) =>
        /\/dist\/(client|protocol)\/|\/dist\/cli\/node-fetch\.js$|^node:https$|^node:crypto$/.test(line),
      ),
    ).toEqual([]);
    // Loaded after it: the SDK answered session/new, the core made the session.
    const afterInitialize = lines.slice(beforeInitialize.length);
    expect(afterInitialize.some((line) => /node_modules\/@agentclientprotocol\/sdk\//.test(line))).toBe(true);
    expect(afterInitialize.some((line) => line.endsWith("/dist/core/index.js"))).toBe(true);
    expect(linesBefore(lines, /"id":2,/).filter((line) => HEAVY.test(line))).toEqual([]);
    // Exactly one answer to initialize: the SDK's own was dropped.
    expect(lines.filter((line) => line.startsWith("stdout: ") && line.includes('"id":1,'))).toHaveLength(1);
  });

  it("the bundle loads node:child_process only when a command spawns (commander's is lazy): not for --version", async () => {
    // It cost ~5-15 ms before every command's first line, `moor acp`'s initialize answer included.
    const home = makeTempHome(llm.url);
    const version = spawnRecorded(home, ["--version"], BIN);
    const code = await new Promise((resolve) => version.child.once("close", resolve));
    expect(code).toBe(0);
    const lines = version.loaded();
    expect(lines.some((line) => /^stdout: \d+\.\d+\.\d+/.test(line))).toBe(true);
    // The bundle ran (its requires of Node's modules are recorded), commander with it, and not child_process.
    expect(lines).toContain("node:events");
    expect(lines.filter((line) => /child_process/.test(line))).toEqual([]);
  });
});
