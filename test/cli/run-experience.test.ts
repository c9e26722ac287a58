// What a person sees from `moor run` (issue 16, CLI): the closing line, no empty session after a run that could not
// start, and a hint when no server answers.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Session } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" } });
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const moor = (args: string[], env: Record<string, string> = {}) =>
  runMoor(args, { env: { ...home.env, ...env }, cwd: home.project });

async function sessions(): Promise<Session[]> {
  const listed = await moor(["session", "list", "--all", "--format", "json"]);
  expect(listed.code, listed.stderr).toBe(0);
  return JSON.parse(listed.stdout);
}

const CLOSING = /── (ses_\w+) · fake\/echo · \d+(\.\d)?m?s · 10 in \/ \d+ out tokens\n$/;

describe("moor run's closing line", () => {
  it("in-process: names the session, the model, the duration and the tokens, on stderr after the reply", async () => {
    llm.script({ text: "hello there" });
    const result = await moor(["run", "hi"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("hello there\n");
    const match = CLOSING.exec(result.stderr);
    expect(match, result.stderr).not.toBeNull();
    expect((await sessions()).map((session) => session.id)).toEqual([match?.[1]]);
  });

  it("attached: the same line", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "from the server" });
    const result = await moor(["run", "--attach", server.url, "--", "hi"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("from the server\n");
    expect(result.stderr).toMatch(CLOSING);
  });
});

describe("a run that fails before its first prompt", () => {
  it("in-process with no model configured leaves no session", async () => {
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), "{}");
    const result = await moor(["run", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^moor: no model configured/);
    expect(await sessions()).toEqual([]);
  });

  it("in-process with an unknown provider leaves no session", async () => {
    const result = await moor(["run", "-m", "nope/model", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/unknown provider "nope"/);
    expect(await sessions()).toEqual([]);
  });

  it("attached with an unknown provider leaves no session on the server", async () => {
    server = await startServe(home.env, [], home.project);
    const result = await moor(["run", "--attach", server.url, "-m", "nope/model", "--", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/nope/);
    const listed = (await (await fetch(`${server.url}/session`)).json()) as Session[];
    expect(listed).toEqual([]);
  });
});

describe("an unreachable server", () => {
  it("says how to start one", async () => {
    const result = await moor(["run", "--attach", "http://127.0.0.1:1", "--", "hi"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^moor: cannot reach http:\/\/127\.0\.0\.1:1.*`moor serve`.*`moor daemon start`/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });
});
