// `/compact` in `moor attach` (tmux, a real server and the fake model): the server writes a summary and the
// transcript marks where compaction happened.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMPACTION_MARK } from "../../src/client/compaction.js";
import type { MessageWithParts } from "../../src/protocol/index.js";
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

describe("moor attach: /compact (tmux)", () => {
  it("compacts the session and shows the mark in the transcript", async () => {
    const home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "The first reply." }, { text: "TUI SUMMARY of the work" });
    const screen = TmuxSession.attach(`moor-test-${process.pid}-compact`, server.url, home);
    tui = screen;
    await screen.waitFor(/· connected ·/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    screen.type("do the work");
    screen.keys("Enter");
    await screen.waitFor(/The first reply\./);
    screen.type("/compact");
    screen.keys("Enter");
    await screen.waitFor(new RegExp(COMPACTION_MARK.slice(3, 30)));
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const messages = (await (
      await fetch(`${server.url}/session/${sessions[0].id}/message`)
    ).json()) as MessageWithParts[];
    expect(messages.at(-1)?.info).toMatchObject({ role: "assistant", summary: true });
  }, 30_000);
});
