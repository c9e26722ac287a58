// A subagent in `moor attach` (tmux, a real server and the fake model): the task call is one line with its child
// session and progress, and Ctrl+S lists the open session's subagents first, so the child opens with Enter.
import { afterAll, afterEach, beforeAll, describe, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

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
  await server?.stop("SIGKILL");
  server = undefined;
});

describe("moor attach: subagents (tmux)", () => {
  it("shows the task call with its child session and opens the child from the picker", async () => {
    const home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    llm.script(
      { toolCalls: [{ name: "task", args: { description: "Look around", prompt: "list", subagent_type: "explore" } }] },
      { toolCalls: [{ name: "glob", args: { pattern: "*.md" } }] },
      { text: "CHILD REPORT: nothing here" },
      { text: "Parent summary." },
    );
    const screen = TmuxSession.attach(`moor-test-${process.pid}-subagent`, server.url, home);
    tui = screen;
    await screen.waitFor(/· connected ·/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    screen.type("look around");
    screen.keys("Enter");
    await screen.waitFor(/Parent summary\./);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string; parentID?: string }[];
    const child = sessions.find((session) => session.parentID) as { id: string };
    await screen.waitFor(/✓ task Look around/);
    await screen.waitFor(new RegExp(`@explore · ${child.id} · 1/1 tool calls · glob`));
    screen.keys("C-s");
    await screen.waitFor(/↳ Look around \(@explore subagent\)/);
    screen.keys("Enter");
    await screen.waitFor(/CHILD REPORT: nothing here/);
  }, 30_000);
});
