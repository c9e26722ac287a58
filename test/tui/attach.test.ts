import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;
let tui: TmuxSession | undefined;
let counter = 0;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  llm.clearScript();
  home = makeTempHome(llm.url, { permission: { edit: "ask", bash: "allow" } });
});
afterEach(async () => {
  tui?.kill();
  tui = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

/** Waits for the UI to be up (connected, and a moment for the terminal to switch to raw input). */
async function ready(screen: TmuxSession): Promise<void> {
  await screen.waitFor(/· connected ·/);
  await new Promise((resolve) => setTimeout(resolve, 300));
}

function attach(url: string, extra = "", env: Record<string, string> = {}): TmuxSession {
  tui = TmuxSession.attach(`moor-test-${process.pid}-${counter++}`, url, home, { args: extra, env });
  return tui;
}

async function messagesOf(url: string, sessionID: string): Promise<MessageWithParts[]> {
  return (await (await fetch(`${url}/session/${sessionID}/message`)).json()) as MessageWithParts[];
}

describe("moor attach (tmux)", () => {
  it("prompts, streams, answers a permission, detaches mid-turn, and shows the finished turn on re-attach", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "note.txt", content: "hi\n" } }] },
      { text: "Wrote the note. Now a long explanation follows ".repeat(3), delayMs: 5 },
      { text: "second turn is slow ".repeat(30), delayMs: 40 },
    );
    const screen = attach(server.url);
    await ready(screen);
    screen.type("write a note");
    screen.keys("Enter");
    await screen.waitFor(/Permission: edit .*note\.txt/);
    await screen.waitFor(/\[a\] Always allow: \//);
    screen.type("y");
    await screen.waitFor(/✓ write note\.txt/);
    await screen.waitFor(/Wrote the note\./);
    await screen.waitFor(/ idle /);

    screen.type("and now a long one");
    screen.keys("Enter");
    await screen.waitFor(/second turn is slow/);
    screen.keys("C-d");
    await screen.waitFor(/detached; the server keeps working/);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const sessionID = sessions[0].id;
    const deadline = Date.now() + 15_000;
    let last: MessageWithParts | undefined;
    while (Date.now() < deadline) {
      last = (await messagesOf(server.url, sessionID)).at(-1);
      if (last?.info.role === "assistant" && last.info.time.completed) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(last?.info.role === "assistant" && last.info.finish).toBe("stop");
    tui?.kill();

    const again = attach(server.url, `--session ${sessionID}`);
    const shown = await again.waitFor(/second turn is slow.*\n/);
    expect(shown).toContain("Wrote the note.");
    expect(shown).toMatch(/ idle /);
  });

  it("Tab switches to the plan agent: its write is refused and nothing is written", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "plan.txt", content: "no\n" } }] },
      { text: "Here is the plan instead." },
    );
    const screen = attach(server.url);
    await ready(screen);
    // The agents come from the server (GET /agent): the first is shown once they arrive.
    await screen.waitFor(/ · build · /);
    screen.keys("Tab");
    await screen.waitFor(/ · plan · /);
    screen.type("plan the note");
    screen.keys("Enter");
    await screen.waitFor(/✗ write/);
    await screen.waitFor(/Here is the plan instead\./);
    expect(existsSync(join(home.project, "plan.txt"))).toBe(false);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const [user] = await messagesOf(server.url, sessions[0].id);
    expect(user.info.role === "user" && user.info.agent).toBe("plan");
  });

  it("survives a server restart (shows the lost connection, reconnects, shows the outcome) and gives up when it is gone", async () => {
    server = await startServe(home.env, [], home.project);
    const port = new URL(server.url).port;
    llm.script({ text: "before restart" });
    const screen = attach(server.url, "", { MOOR_ATTACH_GIVE_UP_MS: "4000" });
    await ready(screen);
    screen.type("first");
    screen.keys("Enter");
    await screen.waitFor(/before restart/);
    await server.stop("SIGKILL");
    await screen.waitFor(/server unreachable, reconnecting/);
    server = await startServe(home.env, ["--port", port], home.project);
    await screen.waitFor(/· connected ·/);
    llm.script({ text: "after restart" });
    screen.type("second");
    screen.keys("Enter");
    await screen.waitFor(/after restart/);
    await server.stop("SIGKILL");
    server = undefined;
    await screen.waitFor(/giving up[\s\S]*\[exit 1\]/, 12_000);
  });

  it("exits with a one-line error when the server cannot be reached", async () => {
    const started = Date.now();
    const result = await runMoor(["attach", "http://127.0.0.1:1"], { env: home.env, cwd: home.project });
    expect(Date.now() - started).toBeLessThan(5500);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^moor: cannot reach http:\/\/127\.0\.0\.1:1: .*start one with `moor serve`/);
  });
});
