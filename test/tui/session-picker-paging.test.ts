// attach's session picker with many sessions: it loads the newest page, not all of them; moving down to the end
// loads the next page; typing finds an old session through the server's title search. A real `moor serve` on a
// database seeded through the store, `moor attach` in tmux.
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SESSION_PAGE_SIZE } from "../../src/client/session-pages.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { seededTitle, seedSessions } from "../fakes/seed-sessions.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

const COUNT = 500;

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;
let tui: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  home = makeTempHome(llm.url);
  await seedSessions(home.env.MOOR_DATA_DIR, { count: COUNT, directory: home.project });
  server = await startServe(home.env, [], home.project);
}, 30_000);
afterAll(async () => {
  tui?.kill();
  await server?.stop("SIGKILL");
  await llm.close();
  rmSync(home.root, { recursive: true, force: true });
});

describe("attach's session picker, paged (tmux)", () => {
  it("shows the newest page, loads the next as the selection nears the end, and searches the server", async () => {
    if (!server) throw new Error("not started");
    tui = TmuxSession.attach(`moor-picker-${process.pid}`, server.url, home);
    await tui.waitFor(/· connected ·/);
    tui.keys("C-s");
    const first = await tui.waitFor(/filter: /);
    expect(first).toContain(`${SESSION_PAGE_SIZE}/${SESSION_PAGE_SIZE}+`);
    expect(first).toContain(seededTitle(COUNT - 1));
    // Down towards the end of the first page, a key at a time as a person presses them: the second page arrives
    // (never before the selection is near the end: the count stays 50 until then).
    const more = new RegExp(`${2 * SESSION_PAGE_SIZE}/${2 * SESSION_PAGE_SIZE}\\+`);
    let presses = 0;
    while (!more.test(tui.screen()) && presses < 3 * SESSION_PAGE_SIZE) {
      tui.keys("Down");
      presses++;
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(presses).toBeGreaterThan(SESSION_PAGE_SIZE / 2);
    await tui.waitFor(more);
    // Session 3 is far beyond what is loaded; the server finds it.
    tui.type("session 00003");
    const found = await tui.waitFor(new RegExp(`${seededTitle(3)}[^\\n]*\\n[\\s\\S]*`));
    const picker = found.slice(found.indexOf("Sessions ("), found.indexOf("╰"));
    expect(picker).toMatch(/ 1\/1\s/);
    tui.keys("Enter");
    await tui.waitFor(new RegExp(` ${seededTitle(3)} · `));
  }, 30_000);
});
