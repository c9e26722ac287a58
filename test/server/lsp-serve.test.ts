// The language servers of a real `moor serve`: started on the first edit of a TypeScript file, listed by GET /lsp,
// gone when moor stops, and, when moor was killed before it could stop them, reaped by the next moor at start.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** The language-server process groups moor recorded (lsp-children.json in its data folder). */
function recordedPids(home: TempHome): number[] {
  try {
    return (
      JSON.parse(readFileSync(join(home.env.MOOR_DATA_DIR, "lsp-children.json"), "utf8")) as { pgid: number }[]
    ).map((record) => record.pgid);
  } catch {
    return [];
  }
}

describe("language servers of moor serve", () => {
  let llm: FakeLlm | undefined;
  let server: ServeHandle | undefined;
  const started: number[] = [];

  afterEach(async () => {
    await server?.stop("SIGKILL");
    await llm?.close();
    // Whatever a failed test left behind is ended here, not left running.
    for (const pid of started.splice(0)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {}
    }
    server = undefined;
  });

  async function editTypeScript(): Promise<{ home: TempHome; pid: number }> {
    llm = await startFakeLlm();
    const home = makeTempHome(llm.url, { permission: "allow" });
    writeFileSync(join(home.project, "tsconfig.json"), "{}\n");
    server = await startServe(home.env, [], home.project);
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "a.ts", content: "export const a = 1;\n" } }] },
      { text: "done" },
    );
    const session = (await (
      await fetch(`${server.url}/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "{}",
      })
    ).json()) as { id: string };
    const reply = await fetch(`${server.url}/session/${session.id}/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parts: [{ type: "text", text: "write a.ts" }] }),
    });
    expect(reply.status).toBe(200);
    const pids = recordedPids(home);
    expect(pids).toHaveLength(1);
    started.push(...pids);
    expect(alive(pids[0])).toBe(true);
    const status = (await (await fetch(`${server.url}/lsp`)).json()) as { id: string; status: string }[];
    expect(status.map(({ id }) => id)).toContain("typescript");
    return { home, pid: pids[0] };
  }

  it("the server started by an edit is gone after moor stops", async () => {
    const { home, pid } = await editTypeScript();
    expect(await server?.stop("SIGTERM")).toBe(0);
    expect(await waitFor(() => !alive(pid))).toBe(true);
    expect(recordedPids(home)).toEqual([]);
  }, 120_000);

  it("a killed moor's server is reaped by the next moor at start", async () => {
    const { home, pid } = await editTypeScript();
    await server?.stop("SIGKILL");
    expect(alive(pid)).toBe(true);
    server = await startServe(home.env, [], home.project);
    expect(await waitFor(() => !alive(pid))).toBe(true);
    expect(recordedPids(home)).toEqual([]);
  }, 120_000);
});
