// What a person sees in `moor attach` beyond plain text: markdown, the diff an edit question carries, progress,
// slash commands and the session picker. The screen is read with its colours (`capture-pane -e`); each test also
// saves its capture under test/artifacts/ (tui-*.ansi) for a person to look at.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stripAnsi } from "../../src/tui/markdown/ansi.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { MARKDOWN_REPLY } from "./sample-replies.js";
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
  llm.clearScript();
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
    // The whole frame: the finished reply's footer (who answered, with which model, in how long) and the status line.
    const colored = await screen.waitForColored(/▣ build · fake\/echo · [\d.]+(ms|s)[\s\S]* idle /);
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
    // The whole frame: the question's box and, below it, the status line.
    const colored = await screen.waitForColored(/\[y\] allow once[\s\S]*◆ waiting for your answer/);
    const shown = stripAnsi(colored);
    save("edit-question", colored);
    const text = stripAnsi(colored);
    expect(text).toMatch(/2 - beta/);
    expect(text).toMatch(/2 \+ BETA changed/);
    // The added line comes before the answer keys.
    expect(shown.indexOf("+ BETA changed")).toBeLessThan(shown.indexOf("[y] allow once"));
    expect(colored).toContain("\u001b[32m+ BETA changed");
    expect(text).toMatch(/◆ waiting for your answer/);
    expect(text).not.toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] working/);
    expect(text.replace(/[│\s]+/g, " ")).toMatch(/stores the rule edit ".*notes\.txt" → allow, for this session/);
    screen.type("y");
    await screen.waitFor(/Edited\./);
  });

  it("/help lists the commands; an unknown /x says so and is not sent to the model", async () => {
    server = await startServe(home.env, [], home.project);
    const screen = attach(server.url);
    await ready(screen);
    screen.type("/");
    // Completion lists commands as soon as `/` is typed.
    await screen.waitFor(/\/help\s+list the commands/);
    screen.type("help");
    screen.keys("Enter");
    const help = await screen.waitFor(/Commands[\s\S]*\/detach/);
    save("help", screen.coloredScreen());
    for (const name of ["help", "new", "sessions", "model", "agent", "compact", "export", "resume", "detach"])
      expect(help).toMatch(new RegExp(`/${name}\\s`));
    // The server's own commands (GET /command) are listed too, and /undo and /redo (the server has snapshots).
    expect(help).toMatch(/\/init\s/);
    expect(help).toMatch(/\/undo\s/);
    expect(help).toMatch(/\/redo\s/);
    screen.keys("Escape");
    await screen.waitFor(/^(?![\s\S]*Commands)/);
    const before = llm.requests.length;
    screen.type("/frobnicate now");
    screen.keys("Enter");
    await screen.waitFor(/unknown command \/frobnicate \(\/help lists the commands\)/);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as unknown[];
    expect(sessions).toHaveLength(0);
    expect(llm.requests.length).toBe(before);
  });

  it("the session picker shows time, status and directory, and filters as you type", async () => {
    server = await startServe(home.env, [], home.project);
    for (const title of ["alpha refactor", "beta migration", "gamma docs"])
      await fetch(`${server.url}/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title }),
      });
    const screen = attach(server.url);
    await ready(screen);
    screen.keys("C-s");
    const all = await screen.waitFor(/gamma docs[\s\S]*3\/3|3\/3[\s\S]*gamma docs/);
    expect(all).toMatch(/beta migration · just now · idle · \/tmp\//);
    screen.type("migr");
    const filtered = await screen.waitFor(/filter: migr/);
    save("picker", screen.coloredScreen());
    // The picker's box (the status line below names the session open now).
    const picker = filtered.slice(filtered.indexOf("Sessions ("), filtered.indexOf("╰"));
    // Filtered at once among the three loaded, then by the server (GET /session?search=): 1/3, then 1/1.
    expect(picker).toMatch(/1\/[13]/);
    expect(picker).toContain("beta migration");
    expect(picker).not.toContain("alpha refactor");
    expect(picker).not.toContain("gamma docs");
    screen.keys("Enter");
    await screen.waitFor(/ beta migration · /);
  });

  it("a prompt typed while busy is shown queued, can be cancelled, and otherwise runs after the turn", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "slow reply ".repeat(40), delayMs: 30 }, { text: "second answer" });
    const screen = attach(server.url);
    await ready(screen);
    screen.type("first");
    screen.keys("Enter");
    await screen.waitFor(/working/);
    screen.type("dropped prompt");
    screen.keys("Enter");
    await screen.waitFor(/queued › dropped prompt/);
    screen.keys("Escape");
    await screen.waitFor(/^(?![\s\S]*queued › dropped)/);
    screen.type("kept prompt");
    screen.keys("Enter");
    await screen.waitFor(/queued › kept prompt/);
    save("queued", screen.coloredScreen());
    await screen.waitFor(/second answer/, 15_000);
    const shown = screen.screen();
    expect(shown).toContain("› kept prompt");
    expect(shown).not.toContain("dropped prompt");
  });

  it("Ctrl+C on an empty prompt asks first; a second Ctrl+C quits with the goodbye on its own line", async () => {
    server = await startServe(home.env, [], home.project);
    const screen = attach(server.url);
    await ready(screen);
    screen.keys("C-c");
    await screen.waitFor(/Quit\? Press Ctrl\+C again/);
    screen.type("x");
    await screen.waitFor(/^(?![\s\S]*Quit\?)/);
    screen.keys("BSpace");
    screen.keys("C-c");
    await screen.waitFor(/Quit\? Press Ctrl\+C again/);
    screen.keys("C-c");
    const end = await screen.waitFor(/\[exit 0\]/);
    expect(end).toMatch(/^moor: detached; the server keeps working$/m);
  });

  it("tool calls say what they did (command and exit code, pattern and matches, file and +/- lines); Ctrl+O shows details", async () => {
    writeFileSync(join(home.project, "a.txt"), "needle one\nhay\nneedle two\n");
    server = await startServe(home.env, [], home.project);
    llm.script(
      {
        toolCalls: [
          { name: "bash", args: { command: "echo out-line; exit 3" } },
          { name: "grep", args: { pattern: "needle" } },
        ],
      },
      { toolCalls: [{ name: "write", args: { filePath: "b.txt", content: "one\ntwo\n" } }] },
      { text: "All done." },
    );
    const screen = attach(server.url);
    await ready(screen);
    screen.type("work");
    screen.keys("Enter");
    await screen.waitFor(/\[y\] allow once/);
    screen.type("y");
    await screen.waitFor(/All done\./);
    const shown = await screen.waitFor(/✓ write b\.txt · \+2 −0 \(new file\)/);
    expect(shown).toMatch(/✗ bash \$ echo out-line; exit 3 · exit 3/);
    expect(shown).toMatch(/✓ grep "needle" · 2 matches/);
    expect(shown).not.toContain("out-line\n");
    screen.keys("C-o");
    const expanded = await screen.waitFor(/1 \+ one/);
    save("tools", screen.coloredScreen());
    expect(expanded).toMatch(/^\s+out-line/m);
  });

  it("/model picks the model for the next prompts; /export writes the transcript as Markdown", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "An **answer**." });
    const screen = attach(server.url);
    await ready(screen);
    screen.type("question");
    screen.keys("Enter");
    await screen.waitFor(/▣ build · fake\/echo/);
    screen.type("/model");
    screen.keys("Enter");
    await screen.waitFor(/Model for the next prompts/);
    screen.type("echo");
    // One of the configured models matches (the fake provider lists several).
    await screen.waitFor(/filter: echo\s+1\/\d+/);
    screen.keys("Enter");
    await screen.waitFor(/^(?![\s\S]*Model for the next)/);
    screen.type("/export chat.md");
    screen.keys("Enter");
    await screen.waitFor(/exported the transcript to .*chat\.md/);
    const document = readFileSync(join(home.project, "chat.md"), "utf8");
    expect(document).toContain("## User\n\nquestion");
    expect(document).toContain("An **answer**.");
  });

  it("a command's question shows the whole command line and the rule always would store", async () => {
    home = makeTempHome(llm.url, { permission: { bash: "ask" } });
    server = await startServe(home.env, [], home.project);
    const command = "git status --short && echo finished-the-long-command-line";
    llm.script({ toolCalls: [{ name: "bash", args: { command, description: "Show status" } }] }, { text: "Ran it." });
    const screen = attach(server.url);
    await ready(screen);
    screen.type("status please");
    screen.keys("Enter");
    const colored = await screen.waitForColored(/\[y\] allow once[\s\S]*◆ waiting for your answer/);
    save("command-question", colored);
    const shown = stripAnsi(colored);
    expect(shown).toContain(`$ ${command}`);
    expect(shown).toContain("Show status");
    expect(shown.replace(/[│\s]+/g, " ")).toMatch(/stores the rules bash "git status \*", bash "echo \*" → allow/);
    screen.type("n");
    await screen.waitFor(/✗ bash/);
  });
});
