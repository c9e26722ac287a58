// Hook runs in `moor attach` (tmux, a real server and the fake model): a session.idle hook's run shows in the
// transcript as one folded line, after the reply it followed.
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

describe("moor attach: hook runs (tmux)", () => {
  it("shows a hook's run folded to one line", async () => {
    const home = makeTempHome(llm.url, { hooks: { "session.idle": [{ command: "echo notified; exit 3" }] } });
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "The reply is here." });
    const screen = TmuxSession.attach(`moor-test-${process.pid}-hooks`, server.url, home);
    tui = screen;
    await screen.waitFor(/· connected ·/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    screen.type("say something");
    screen.keys("Enter");
    await screen.waitFor(/The reply is here\./);
    await screen.waitFor(/⚙ hook session\.idle `echo notified; exit 3` → exit 3 · \d+ ms/);
  }, 30_000);
});
