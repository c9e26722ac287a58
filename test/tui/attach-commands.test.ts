// `moor attach` and slash commands: typing `/` lists the server's commands (GET /command, configured ones included),
// Tab completes the name, and Enter runs it as the command (its template reaches the model).
import { rmSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

let llm: FakeLlm;
let home: TempHome;
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
  rmSync(home.root, { recursive: true, force: true });
});

describe("moor attach: slash commands", () => {
  it("lists matching commands under `/`, completes with Tab, and runs the command on Enter", async () => {
    home = makeTempHome(llm.url, {
      command: { greet: { template: "Greet $ARGUMENTS warmly", description: "say hello" } },
    });
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "Greeted them." });
    tui = TmuxSession.attach(`moor-test-commands-${process.pid}`, server.url, home);
    const screen = tui;
    await screen.waitFor(/· connected ·/);
    screen.type("/");
    // The built-ins and the configured command, with its description.
    await screen.waitFor(/\/greet\s+say hello/);
    await screen.waitFor(/\/init/);
    screen.type("gr");
    // The input line itself (the list already shows "/greet", which also matches "/gr").
    await screen.waitFor(/│ \/gr +│/);
    expect(screen.screen()).not.toMatch(/\/init/);
    screen.keys("Tab");
    await screen.waitFor(/\/greet /);
    screen.type("the team");
    screen.keys("Enter");
    await screen.waitFor(/Greeted them\./);
    const sent = JSON.stringify(llm.requests.at(-1)?.messages);
    expect(sent).toContain("Greet the team warmly");
  });
});
