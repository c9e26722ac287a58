// `moor run` in an untrusted project whose config was held back: a one-line notice without a terminal, one
// question on a terminal (tmux), and the project's config applied when the answer is yes.
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome, trustProject } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN, runMoor, withoutClosingLine } from "../fakes/moor-process.js";
import { TmuxSession } from "../tui/tmux.js";

let llm: FakeLlm;
let home: TempHome;
let tui: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url);
  mkdirSync(join(home.project, ".moor"));
  writeFileSync(join(home.project, ".moor", "config.json"), JSON.stringify({ model: "fake/project-model" }));
  llm.requests.length = 0;
});
afterEach(() => {
  tui?.kill();
  tui = undefined;
});

const trustList = () => join(home.env.MOOR_CONFIG_DIR, "trusted.json");

describe("moor run in an untrusted project", () => {
  it("without a terminal: one line on stderr, and the turn runs without the held-back keys", async () => {
    llm.script({ text: "untrusted reply" });
    const result = await runMoor(["run", "hi"], { env: home.env, cwd: home.project });
    expect(result.code, result.stderr).toBe(0);
    const project = realpathSync(home.project);
    expect(withoutClosingLine(result.stderr)).toBe(
      `moor: ${project} is not trusted: its config's model held back (run \`moor trust\` to apply)\n`,
    );
    expect(result.stdout).toContain("untrusted reply");
    expect(llm.requests[0].model).toBe("echo");
    expect(existsSync(trustList())).toBe(false);
  });

  it("in a trusted project: no notice, and the project's config applies", async () => {
    trustProject(home);
    llm.script({ text: "reply" });
    const result = await runMoor(["run", "hi"], { env: home.env, cwd: home.project });
    expect(result.code, result.stderr).toBe(0);
    expect(withoutClosingLine(result.stderr)).toBe("");
    expect(llm.requests[0].model).toBe("project-model");
  });

  it("on a terminal: asks once; yes trusts the directory and the turn uses the project's config", async () => {
    llm.script({ text: "trusted reply" });
    tui = TmuxSession.start(
      `moor-run-trust-${process.pid}`,
      `${process.execPath} ${MOOR_BIN} run hi`,
      home.env,
      home.project,
    );
    const project = realpathSync(home.project);
    const screen = await tui.waitFor(/\? \[y\/N\]/);
    expect(screen).toContain(`Trust ${project}? [y/N]`);
    expect(screen).toContain("model (.moor/config.json): changes the model that gets your prompts");
    tui.type("y");
    tui.keys("Enter");
    const done = await tui.waitFor(/\[exit \d+\]/);
    expect(done).toContain("[exit 0]");
    expect(done).toContain("trusted reply");
    expect(llm.requests[0].model).toBe("project-model");
    expect(JSON.parse(readFileSync(trustList(), "utf8"))).toEqual({ trusted: [project] });
  });
});
