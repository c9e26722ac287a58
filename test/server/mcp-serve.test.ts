// A real `moor serve` with MCP servers configured: they connect in the background (GET /mcp shows them), and
// every child process ends when the server stops, or, after a kill -9, when the next server starts.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");

let home: TempHome | undefined;
let server: ServeHandle | undefined;
afterEach(async () => {
  await server?.stop("SIGKILL");
  for (const pid of home ? pids(home) : []) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
  if (home) rmSync(home.root, { recursive: true, force: true });
  server = undefined;
  home = undefined;
});

function configured(): TempHome {
  const root = makeTempHome("http://127.0.0.1:9");
  const server = (label: string) => ({
    type: "local",
    command: [process.execPath, STDIO_SERVER, label],
    environment: { MCP_PID_FILE: join(root.root, "mcp-pids") },
  });
  const config = JSON.parse(readFileSync(join(root.env.MOOR_CONFIG_DIR, "moor.json"), "utf8"));
  writeFileSync(
    join(root.env.MOOR_CONFIG_DIR, "moor.json"),
    JSON.stringify({ ...config, mcp: { one: server("one"), two: server("two") } }),
  );
  return root;
}

function pids(h: TempHome): number[] {
  const file = join(h.root, "mcp-pids");
  if (!existsSync(file)) return [];
  return readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map(Number);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function bothConnected(handle: ServeHandle): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = (await (await fetch(`${handle.url}/mcp`)).json()) as Record<string, { status: string }>;
    if (status.one?.status === "connected" && status.two?.status === "connected") return;
    if (Date.now() > deadline) throw new Error(`not connected: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("moor serve with MCP servers", () => {
  it("stopping the server ends every MCP child", async () => {
    home = configured();
    server = await startServe(home.env, [], home.project);
    await bothConnected(server);
    const started = pids(home);
    expect(started).toHaveLength(2);
    expect(started.every(alive)).toBe(true);
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(started.filter(alive)).toEqual([]);
  });

  it("after a kill -9 the next start ends what the dead server left running", async () => {
    home = configured();
    server = await startServe(home.env, [], home.project);
    await bothConnected(server);
    const leftovers = pids(home);
    expect(leftovers).toHaveLength(2);
    await server.stop("SIGKILL");
    // The test server does not exit when its stdin closes: these are left running by the kill.
    expect(leftovers.every(alive)).toBe(true);
    server = await startServe(home.env, [], home.project);
    await bothConnected(server);
    const deadline = Date.now() + 5000;
    while (leftovers.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(leftovers.filter(alive)).toEqual([]);
    expect(await server.stop("SIGTERM")).toBe(0);
    expect(pids(home).filter(alive)).toEqual([]);
  });
});
