// `moor debug mcp` connects each configured server once and prints its status and tools (or why it failed);
// `--attach` prints what a running server reports. Every MCP child it started has ended when it exits.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");
let home: TempHome | undefined;
let server: ServeHandle | undefined;
afterEach(async () => {
  // SIGTERM: a killed server would leave its MCP children for a next start that never comes in a temp home.
  await server?.stop("SIGTERM");
  server = undefined;
  if (home) rmSync(home.root, { recursive: true, force: true });
});

function withMcp(): TempHome {
  const h = makeTempHome("http://127.0.0.1:9");
  const file = join(h.env.MOOR_CONFIG_DIR, "moor.json");
  const config = JSON.parse(readFileSync(file, "utf8"));
  config.mcp = {
    good: {
      type: "local",
      command: [process.execPath, STDIO_SERVER],
      environment: { MCP_PID_FILE: join(h.root, "pids") },
    },
    missing: { type: "local", command: ["/nonexistent/mcp-server"] },
    off: { type: "remote", url: "http://127.0.0.1:9/mcp", enabled: false },
  };
  writeFileSync(file, JSON.stringify(config));
  return h;
}

describe("moor debug mcp", () => {
  it("prints each server's status and tools, and leaves no child running", async () => {
    home = withMcp();
    const result = await runMoor(["debug", "mcp", "--dir", home.project], { env: home.env, cwd: home.project });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("good     connected, 3 tools");
    expect(result.stdout).toContain("good_echo, good_hang, good_add_tool");
    expect(result.stdout).toMatch(/missing {2}failed: .*ENOENT/);
    expect(result.stdout).toContain("off      disabled");
    const pid = Number(readFileSync(join(home.root, "pids"), "utf8").trim());
    expect(() => process.kill(pid, 0)).toThrow();
  });

  it("--attach prints what a running server reports", async () => {
    home = withMcp();
    server = await startServe(home.env, [], home.project);
    const deadline = Date.now() + 10_000;
    let stdout = "";
    while (!stdout.includes("good     connected") && Date.now() < deadline) {
      stdout = (await runMoor(["debug", "mcp", "--attach", server.url], { env: home.env, cwd: home.project })).stdout;
    }
    expect(stdout).toContain("good     connected, 3 tools");
    expect(stdout).toContain("off      disabled");
  });
});
