// `/mcp` in `moor attach` (tmux, a real server with an MCP server configured): the servers' status on one line.
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");
let llm: FakeLlm;
let server: ServeHandle | undefined;
let tui: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  tui?.kill();
  tui = undefined;
  // SIGTERM: the server ends its MCP child (a SIGKILL would leave it to a next start).
  await server?.stop("SIGTERM");
  server = undefined;
});

describe("moor attach: /mcp (tmux)", () => {
  it("prints each MCP server's status", async () => {
    const home = makeTempHome(llm.url);
    const file = join(home.env.MOOR_CONFIG_DIR, "moor.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    config.mcp = {
      files: { type: "local", command: [process.execPath, STDIO_SERVER] },
      off: { type: "local", command: ["nothing"], enabled: false },
    };
    writeFileSync(file, JSON.stringify(config));
    server = await startServe(home.env, [], home.project);
    const url = server.url;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const status = (await (await fetch(`${url}/mcp`)).json()) as Record<string, { status: string }>;
      if (status.files?.status === "connected") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const screen = TmuxSession.attach(`moor-test-${process.pid}-mcp`, url, home);
    tui = screen;
    await screen.waitFor(/· connected ·/);
    await new Promise((r) => setTimeout(r, 300));
    screen.type("/mcp");
    screen.keys("Enter");
    await screen.waitFor(/MCP: files: connected, 3 tools · off: disabled/);
  }, 40_000);
});
