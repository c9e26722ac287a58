// What a person sees in `moor attach` beyond plain text: markdown, the diff an edit question carries, progress,
// slash commands and the session picker. The screen is read with its colours (`capture-pane -e`); each test also
// saves its capture under test/artifacts/ (tui-*.ansi) for a person to look at.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stripAnsi } from "../../src/tui/markdown/ansi.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");

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
  home = makeTempHome(llm.url, { permission: { edit: "ask", bash: "allow" } });
});
afterEach(async () => {
  tui?.kill();
  tui = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

async function ready(screen: TmuxSession): Promise<void> {
  await screen.waitFor(/· connected ·/);
  await new Promise((resolve) => setTimeout(resolve, 300));
}

function attach(url: string, extra = ""): TmuxSession {
  tui = TmuxSession.attach(`moor-rich-${process.pid}-${counter++}`, url, home, { args: extra });
  return tui;
}

/** Keeps the coloured screen for a person to look at (test/artifacts is not checked for content). */
function save(name: string, screen: string): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, `tui-${name}.ansi`), screen);
}

const MARKDOWN_REPLY = [
  "## Plan",
  "",
  "This is **important** and *subtle*; see [the docs](https://example.com/docs).",
  "",
  "- first step",
  "  - a nested detail",
  "- second step",
  "",
  "> A quoted remark.",
  "",
  "| Tool | Calls |",
  "|------|------:|",
  "| read | 3 |",
  "| edit | 12 |",
  "",
  "```ts",
  'const greeting: string = "hello";',
  "```",
].join("\n");

describe("moor attach renders rich screens (tmux)", () => {
  it("draws a markdown reply: no literal ** or fences, a boxed table, coloured code", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: MARKDOWN_REPLY, delayMs: 25 });
    const screen = attach(server.url);
    await ready(screen);
    screen.type("explain");
    screen.keys("Enter");
    // While it streams: a spinner, the time since the prompt, tokens (estimated while streaming) and cost.
    const running = await screen.waitFor(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] working \d/);
    expect(running).toMatch(/working [\d.]+(ms|s) · ↑\d+ ↓~?\d+ tokens · \$0\.00/);
    await screen.waitFor(/└─+┴─+┘/);
    await screen.waitFor(/ idle /);
    // The finished reply says who answered, with which model, in how long.
    await screen.waitFor(/▣ build · fake\/echo · [\d.]+(ms|s)/);
    const colored = screen.coloredScreen();
    save("markdown", colored);
    const text = stripAnsi(colored);
    expect(text).not.toContain("**");
    expect(text).not.toContain("```");
    expect(text).toMatch(/│ Tool\s+│ Calls │/);
    expect(text).toMatch(/│ edit\s+│\s+12 │/);
    expect(text).toMatch(/• first step\n\s+• a nested detail/);
    expect(text).toContain("the docs (https://example.com/docs)");
    // Bold is drawn bold; the code's string literal is coloured (green).
    expect(colored).toMatch(/\u001b\[1mimportant/);
    expect(colored).toMatch(/\u001b\[32m"hello"/);
  });

  it("shows an edit's diff (added line numbered, in green) before y/a/n, and what always stores", async () => {
    writeFileSync(join(home.project, "notes.txt"), "alpha\nbeta\ngamma\n");
    server = await startServe(home.env, [], home.project);
    llm.script(
      { toolCalls: [{ name: "edit", args: { filePath: "notes.txt", oldString: "beta", newString: "BETA changed" } }] },
      { text: "Edited." },
    );
    const screen = attach(server.url);
    await ready(screen);
    screen.type("change beta");
    screen.keys("Enter");
    const shown = await screen.waitFor(/\[y\] allow once/);
    const colored = screen.coloredScreen();
    save("edit-question", colored);
    const text = stripAnsi(colored);
    expect(text).toMatch(/2 - beta/);
    expect(text).toMatch(/2 \+ BETA changed/);
    // The added line comes before the answer keys.
    expect(shown.indexOf("+ BETA changed")).toBeLessThan(shown.indexOf("[y] allow once"));
    expect(colored).toContain("\u001b[32m+ BETA changed");
    expect(text).toMatch(/⏸ waiting for your answer/);
    expect(text).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] working/);
    expect(text.replace(/[│\s]+/g, " ")).toMatch(/stores the rule edit ".*notes\.txt" → allow, for this session/);
    screen.type("y");
    await screen.waitFor(/Edited\./);
  });
});
