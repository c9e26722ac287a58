// `moor run --attach --wait-permission` without a terminal: another attached client answers the question.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { PermissionRequest } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { edit: "ask" } });
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

async function pendingQuestion(url: string): Promise<PermissionRequest> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const pending = (await (await fetch(`${url}/permission`)).json()) as PermissionRequest[];
    if (pending.length > 0) return pending[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("no question was asked");
}

describe("moor run --attach --wait-permission", () => {
  it("waits for another client's answer instead of rejecting, and the turn goes on with it", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "w.txt", content: "waited" } }] }, { text: "written" });
    const run = spawnMoor(["run", "--attach", server.url, "--wait-permission=30", "--", "write it"], {
      env: home.env,
      cwd: home.project,
    });
    await waitForOutput(run, (_stdout, stderr) => stderr.includes("waiting up to 30 s for another client"));
    const question = await pendingQuestion(server.url);
    // The second client: a plain HTTP caller, as the web page or the TUI would answer.
    const replied = await fetch(`${server.url}/permission/${question.id}/reply`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ reply: "once" }),
    });
    expect(replied.status).toBe(200);
    const code = await new Promise((resolve) => run.on("close", resolve));
    const { stdout, stderr } = run.output();
    expect(code, stderr).toBe(0);
    expect(stdout).toBe("written\n");
    expect(stderr).toContain("moor: another client answered: allowed (once)");
    expect(stderr).not.toContain("refused");
    expect(readFileSync(join(home.project, "w.txt"), "utf8")).toBe("waited");
  });

  it("refuses, saying why, when nobody answers within the wait", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "n.txt", content: "no" } }] }, { text: "ok" });
    const result = await runMoor(["run", "--attach", server.url, "--wait-permission", "1", "--", "write it"], {
      env: home.env,
      cwd: home.project,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/refused to change .*n\.txt \(no client answered within 1 s\)/);
    expect(existsSync(join(home.project, "n.txt"))).toBe(false);
  });

  it("is refused without --attach, in one line", async () => {
    const result = await runMoor(["run", "--wait-permission", "--", "x"], { env: home.env, cwd: home.project });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("moor: --wait-permission needs --attach (another client of the server answers)\n");
  });
});
