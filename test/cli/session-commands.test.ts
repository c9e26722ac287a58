// `moor session list` (status column, this directory by default, --all) and `moor session delete` (ids, --older-than).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";

let llm: FakeLlm;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url);
});

const moor = (args: string[], cwd = home.project) => runMoor(args, { env: home.env, cwd });

interface Listed {
  id: string;
  directory: string;
  status: string;
}

async function list(args: string[] = [], cwd = home.project): Promise<Listed[]> {
  const result = await moor(["session", "list", "--format", "json", ...args], cwd);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout);
}

async function runOnce(text: string, cwd = home.project): Promise<string> {
  llm.script({ text });
  const result = await moor(["run", "--format", "json", text], cwd);
  expect(result.code, result.stderr).toBe(0);
  return /"sessionID":"(ses_[^"]+)"/.exec(result.stdout)![1];
}

describe("moor session list", () => {
  it("lists this directory's sessions by default and every directory's with --all, with a status", async () => {
    const other = join(home.root, "other");
    mkdirSync(other);
    const here = await runOnce("here");
    const there = await runOnce("there", other);
    expect((await list()).map((s) => [s.id, s.status])).toEqual([[here, "idle"]]);
    expect((await list(["--all"])).map((s) => s.id).sort()).toEqual([here, there].sort());
    const table = await moor(["session", "list", "--all"]);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+TITLE\s+DIRECTORY\s+UPDATED$/);
    expect(table.stdout).toMatch(new RegExp(`${here}\\s+idle\\s`));
  });

  it("shows a turn cut short by a killed process as interrupted", async () => {
    llm.script({ text: "token ".repeat(400), delayMs: 10 });
    const child = spawnMoor(["run", "--format", "json", "long"], { env: home.env, cwd: home.project });
    await waitForOutput(child, (stdout) => (stdout.match(/message\.part\.delta/g) ?? []).length > 5);
    child.kill("SIGKILL");
    await new Promise((resolve) => child.on("close", resolve));
    const id = /"sessionID":"(ses_[^"]+)"/.exec(child.output().stdout)![1];
    expect((await list()).map((s) => [s.id, s.status])).toEqual([[id, "interrupted"]]);
  });
});

describe("moor session delete", () => {
  it("deletes a session by id, and says so in one line for an unknown id", async () => {
    const kept = await runOnce("kept");
    const gone = await runOnce("gone");
    const result = await moor(["session", "delete", gone]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`Deleted ${gone}\n`);
    expect((await list()).map((s) => s.id)).toEqual([kept]);
    expect((await moor(["export", gone])).code).not.toBe(0);
    const unknown = await moor(["session", "delete", "ses_nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("moor: no session ses_nope (see moor session list --all)\n");
    const none = await moor(["session", "delete"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^moor: nothing to delete/);
  });

  it("--older-than deletes only the sessions not updated for that long", async () => {
    const fresh = await runOnce("fresh");
    const old = await runOnce("old");
    // Made old by export, an edited time and import under a new id.
    const exported = JSON.parse((await moor(["export", old])).stdout);
    const weekAgo = Date.now() - 8 * 86_400_000;
    exported.info.time = { created: weekAgo, updated: weekAgo };
    await moor(["session", "delete", old]);
    const file = join(home.root, "old.json");
    writeFileSync(file, JSON.stringify(exported));
    expect((await moor(["import", file])).code).toBe(0);
    expect((await list()).map((s) => s.id).sort()).toEqual([fresh, old].sort());
    const bad = await moor(["session", "delete", "--older-than", "soon"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^moor: invalid --older-than: soon/);
    const result = await moor(["session", "delete", "--older-than", "7d"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("Deleted 1 session\n");
    expect((await list()).map((s) => s.id)).toEqual([fresh]);
    expect(readFileSync(file, "utf8")).toContain(old);
  });
});
