// `/undo` and `/redo` in `moor attach` (tmux, a real server and the fake model): undo takes the last prompt's file
// change back and hides its turn; redo brings both back.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

let llm: FakeLlm;
let server: ServeHandle | undefined;
let tui: TmuxSession | undefined;
let home: TempHome | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  tui?.kill();
  tui = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe("moor attach: /undo and /redo (tmux)", () => {
  it("undoes the last prompt's file change and redoes it", async () => {
    home = makeTempHome(llm.url, { permission: { bash: "allow", edit: "allow" } });
    server = await startServe(home.env, [], home.project);
    llm.script({ toolCalls: [{ name: "bash", args: { command: "echo tui > tui.txt" } }] }, { text: "Wrote it." });
    const screen = TmuxSession.attach(`moor-test-${process.pid}-undo`, server.url, home);
    tui = screen;
    await screen.waitFor(/· connected ·/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    screen.type("write the file");
    screen.keys("Enter");
    await screen.waitFor(/Wrote it\./);
    const file = `${home.project}/tui.txt`;
    expect(readFileSync(file, "utf8")).toBe("tui\n");
    screen.type("/undo");
    screen.keys("Enter");
    await screen.waitFor(/undone: the files are back/);
    expect(existsSync(file)).toBe(false);
    // The undone turn is hidden from the transcript once the session's revert arrives over the event stream (it may
    // come just after the notice, which follows the HTTP answer).
    await screen.waitFor(/^(?![\s\S]*Wrote it\.)[\s\S]*undone: the files are back/);
    screen.type("/redo");
    screen.keys("Enter");
    await screen.waitFor(/redone/);
    expect(readFileSync(file, "utf8")).toBe("tui\n");
    await screen.waitFor(/Wrote it\./);
  }, 40_000);
});
