// OpenCode's own TUI (`opencode attach URL`, the pinned opencode-ai devDependency) against `moor serve`, in tmux, end
// to end in one run (its first screen is slow to draw on a busy machine, so it starts once): it loads, lists the
// sessions, opens one moor's API made (with its history), prompts and streams, shows a tool call, answers a
// permission, undoes and redoes a turn (the file on disk goes back and forth), switches agent, compacts, runs a
// `!command`. It used to crash ("undefined is not an object (evaluating 'q?.limit.context')") because moor's model
// objects lacked OpenCode's fields. A watcher reads the screen all along and keeps any frame that shows a crash or an
// error toast; a counting proxy in front of moor records every 4xx/5xx moor gave it.
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type CountingProxy, startCountingProxy } from "../fakes/counting-proxy.js";
import { type FakeLlm, lastUserText, mockToolConvention, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, type SseItem, startServe, watchSse } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

const OPENCODE = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const REPLY = "Streamed from moor";
const HISTORY_TITLE = "Earlier talk about moor";
const HISTORY_REPLY = "An answer from the earlier talk";
const ORIGINAL = "the user's own words\n";
const WRITTEN = "the agent rewrote this\n";
const SUMMARY = "Summary of the talk so far";
const HANGING = "A long answer begins";
/** What a screen must never show: OpenCode's crash screen, a JS error, or an error toast. */
const BROKEN = /crashed|is not an object|undefined is not|NotFoundError|UnknownError|Request failed|status code \d/i;

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle;
let proxy: CountingProxy;
let tmux: TmuxSession | undefined;
let sessionID: string;
/** Every distinct screen that matched BROKEN while the TUI ran. */
const brokenScreens: string[] = [];
let watcher: NodeJS.Timeout | undefined;
/** Every event moor published while the TUI ran (a `session.error` is what OpenCode turns into an error toast). */
let events: SseItem[] = [];

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.respond((request) => {
    const asked = lastUserText(request);
    if (request.messages.at(-1)?.role === "user" && /summar/i.test(asked)) return { text: SUMMARY };
    if (asked.includes("earlier talk")) return { text: HISTORY_REPLY };
    // Streams its first words, then waits until moor aborts the request (the user interrupts).
    if (asked.includes("long answer")) return { text: HANGING, hang: true };
    return mockToolConvention(request, { text: REPLY, delayMs: 5 });
  });
  // The user's `!command` goes through the permission rules: allowed here, so no question stops it. An edit asks.
  home = makeTempHome(llm.url, { permission: { bash: "allow", edit: "ask" } });
  writeFileSync(join(home.project, "notes.txt"), "notes for the read tool\n");
  writeFileSync(join(home.project, "story.txt"), ORIGINAL);
  server = await startServe(home.env, [], home.project);
  // A session with history, made through moor's own API before the TUI starts.
  const created = await fetch(`${server.url}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ title: HISTORY_TITLE }),
  });
  sessionID = ((await created.json()) as { id: string }).id;
  const prompted = await fetch(`${server.url}/session/${sessionID}/message`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ parts: [{ type: "text", text: "Tell me about the earlier talk" }] }),
  });
  expect(prompted.status).toBe(200);
  proxy = await startCountingProxy(server.url);
  const stream = watchSse(`${server.url}/event`, {
    timeoutMs: 600_000,
    until: (items) => {
      events = items;
      return false;
    },
  });
  // The stream ends when the server stops at the end.
  stream.done.catch(() => {});
  await stream.connected;
}, 60_000);
afterAll(async () => {
  if (watcher) clearInterval(watcher);
  tmux?.kill();
  await proxy?.close();
  await server?.stop("SIGKILL");
  await llm?.close();
  // OpenCode may still be writing into its own dirs as it exits after the tmux session is gone.
  if (home) rmSync(home.root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
});

/** OpenCode in a home of its own (config, data, cache and state dirs), offline, as a user would start it. */
function opencodeEnv(): Record<string, string> {
  const root = join(home.root, "opencode");
  for (const dir of [".config", ".local/share", ".cache", ".local/state"])
    mkdirSync(join(root, dir), { recursive: true });
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: root,
    TERM: "xterm-256color",
    XDG_CONFIG_HOME: join(root, ".config"),
    XDG_DATA_HOME: join(root, ".local/share"),
    XDG_CACHE_HOME: join(root, ".cache"),
    XDG_STATE_HOME: join(root, ".local/state"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
  };
}

/** Reads the screen every 200 ms (without blocking the test) and keeps the frames that show a crash or an error. */
function watchForBrokenScreens(name: string): void {
  let reading = false;
  watcher = setInterval(() => {
    if (reading) return;
    reading = true;
    execFile("tmux", ["capture-pane", "-p", "-t", name], { encoding: "utf8" }, (error, screen) => {
      reading = false;
      if (!error && BROKEN.test(screen) && !brokenScreens.includes(screen)) brokenScreens.push(screen);
    });
  }, 200);
}

function tui(): TmuxSession {
  if (!tmux) throw new Error("the TUI did not start");
  return tmux;
}

/**
 * Types a line into OpenCode's prompt and sends it once the line's end shows in the input box (compared without
 * spaces and box borders: a long line wraps there).
 */
async function send(text: string): Promise<void> {
  tui().type(text);
  const flat = (screen: string) => screen.replace(/[\s┃]/g, "");
  const end = flat(text).slice(-30);
  await waitUntil(() => flat(tui().screen()).includes(end), 30_000);
  tui().keys("Enter");
}

/** How many permission answers OpenCode has sent so far (POST /permission/:id/reply, counted by the proxy). */
function permissionReplies(): number {
  return proxy.answers.filter((answer) => /^\/permission\/[^/]+\/reply$/.test(answer.path)).length;
}

/**
 * Confirms the highlighted option of OpenCode's permission dialog. Under load the TUI draws the dialog a moment
 * before it takes keys, and a key pressed then is lost (a fresh-clone CI run showed the dialog still open after
 * Enter): so the keys wait until the dialog has been on screen a second, and Enter is pressed again while no answer
 * has reached moor.
 */
async function confirmPermission(selectKeys: string[] = []): Promise<void> {
  const before = permissionReplies();
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  for (const key of selectKeys) tui().keys(key);
  for (let attempt = 0; attempt < 4 && permissionReplies() === before; attempt++) {
    tui().keys("Enter");
    await waitUntil(() => permissionReplies() > before, 6_000).catch(() => {});
  }
}

/**
 * A slash command: typed, then run from OpenCode's autocomplete once the command's entry (name and description,
 * "┃ /undo   Undo the last message") is listed and so highlighted; Enter runs the highlighted one.
 */
async function slash(command: string): Promise<void> {
  tui().type(`/${command}`);
  await tui().waitFor(new RegExp(`┃ /${command}\\s{2,}\\S`), 30_000);
  tui().keys("Enter");
}

describe("opencode attach (OpenCode's TUI) against moor serve", () => {
  it("loads and lists the sessions, the one made through moor's API among them", { timeout: 150_000 }, async () => {
    const name = `moor-oc-attach-${process.pid}`;
    tmux = TmuxSession.start(name, `${OPENCODE} attach ${proxy.url}`, opencodeEnv(), home.project);
    watchForBrokenScreens(name);
    await tui().waitFor(/ask anything/i, 120_000);
    await slash("sessions");
    // OpenCode's session list is a dialog with a search box; the session moor's API made is in it, by its title.
    await tui().waitFor(new RegExp(`Sessions[\\s\\S]*${HISTORY_TITLE}`), 30_000);
  });

  it("opens that session with its history", { timeout: 60_000 }, async () => {
    tui().keys("Enter");
    await tui().waitFor(new RegExp(`Tell me about the earlier talk[\\s\\S]*${HISTORY_REPLY}`), 30_000);
  });

  it("prompts in it and streams the reply", { timeout: 60_000 }, async () => {
    await send("Say hello");
    // The reply, then the assistant message's footer with its duration (the turn finished).
    await tui().waitFor(new RegExp(`Say hello[\\s\\S]*${REPLY}[\\s\\S]*▣\\s+Build · Echo · \\d`), 30_000);
  });

  it("shows a tool call", { timeout: 60_000 }, async () => {
    await send(`MOCK_TOOL read ${JSON.stringify({ filePath: "notes.txt" })}`);
    // OpenCode draws a completed read as "→ Read notes.txt" (the typed prompt shows the JSON, not this).
    await tui().waitFor(/→ Read\s+notes\.txt/, 30_000);
  });

  it("interrupts a streaming reply with esc esc (POST /session/:id/abort)", { timeout: 60_000 }, async () => {
    await send("Start a long answer");
    await tui().waitFor(new RegExp(HANGING), 30_000);
    tui().keys("Escape");
    await tui().waitFor(/esc again to interrupt/i, 30_000);
    tui().keys("Escape");
    await tui().waitFor(/▣\s+Build · Echo · interrupted/, 30_000);
    // The screen and the files change before the proxy has the answer: wait for it.
    await waitUntil(
      () => proxy.answers.some((answer) => answer.path.endsWith("/abort") && answer.status === 200),
      10_000,
    );
  });

  it("answers a permission with Reject: the write fails and the file is untouched", { timeout: 90_000 }, async () => {
    await send(`MOCK_TOOL write ${JSON.stringify({ filePath: "story.txt", content: "never written\n" })}`);
    await tui().waitFor(/Allow once\s+Allow always\s+Reject/, 30_000);
    // The options are picked with the arrow keys: the third is Reject.
    await confirmPermission(["Right", "Right"]);
    await tui().waitFor(/^(?![\s\S]*Allow once)[\s\S]*never written[\s\S]*▣\s+Build · Echo · \d/, 30_000);
    expect(readFileSync(join(home.project, "story.txt"), "utf8")).toBe(ORIGINAL);
    const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as {
      parts: { type: string; state?: { status: string; error?: string; input?: { content?: string } } }[];
    }[];
    const write = messages
      .flatMap((message) => message.parts)
      .find((part) => part.type === "tool" && part.state?.input?.content === "never written\n");
    expect(write?.state).toMatchObject({ status: "error", error: expect.stringMatching(/rejected permission/) });
  });

  it("answers a permission: the agent's write is allowed once and lands on disk", { timeout: 90_000 }, async () => {
    await send(`MOCK_TOOL write ${JSON.stringify({ filePath: "story.txt", content: WRITTEN })}`);
    await tui().waitFor(/Allow once/, 30_000);
    expect(readFileSync(join(home.project, "story.txt"), "utf8")).toBe(ORIGINAL);
    await confirmPermission();
    await tui().waitFor(
      /^(?![\s\S]*Allow once)[\s\S]*rewrote this[\s\S]*← Write\s+story\.txt[\s\S]*▣\s+Build · Echo · \d/,
      30_000,
    );
    await waitUntil(() => storyIs(WRITTEN), 30_000);
    // The screen and the files change before the proxy has the answer: wait for it.
    await waitUntil(() => proxy.answers.some((answer) => /^\/permission\/[^/]+\/reply$/.test(answer.path)), 10_000);
  });

  it("/undo puts the file's bytes back and drops the undone turn from the transcript", {
    timeout: 60_000,
  }, async () => {
    await slash("undo");
    await waitUntil(() => storyIs(ORIGINAL), 20_000);
    // The undone prompt and its write leave the transcript for OpenCode's "reverted" notice; OpenCode puts the prompt
    // back into its input box, below the notice.
    await tui().waitFor(
      /^(?![\s\S]*rewrote this[\s\S]*message reverted)[\s\S]*1 message reverted[\s\S]*┃\s+MOCK_TOOL write[^\n]*rewrote/,
      20_000,
    );
    // The screen and the files change before the proxy has the answer: wait for it.
    await waitUntil(
      () => proxy.answers.some((answer) => answer.path.endsWith("/revert") && answer.status === 200),
      10_000,
    );
  });

  it("/redo brings the agent's version and its turn back", { timeout: 60_000 }, async () => {
    // The undone prompt is back in the input box: clear it first (ctrl+c clears OpenCode's prompt; on an empty one
    // it would quit, hence the wait for the prompt above).
    tui().keys("C-c");
    await tui().waitFor(/^(?![\s\S]*rewrote this)/, 30_000);
    await slash("redo");
    await waitUntil(() => storyIs(WRITTEN), 20_000);
    await tui().waitFor(/^(?![\s\S]*message reverted)[\s\S]*rewrote this[\s\S]*← Write\s+story\.txt/, 20_000);
    // The screen and the files change before the proxy has the answer: wait for it.
    await waitUntil(
      () => proxy.answers.some((answer) => answer.path.endsWith("/unrevert") && answer.status === 200),
      10_000,
    );
  });

  it("an undo the next prompt makes final: the file stays as it was, the turn stays gone", {
    timeout: 60_000,
  }, async () => {
    await slash("undo");
    await waitUntil(() => storyIs(ORIGINAL), 20_000);
    await tui().waitFor(/1 message reverted[\s\S]*┃\s+MOCK_TOOL write[^\n]*rewrote/, 20_000);
    tui().keys("C-c");
    await tui().waitFor(/^(?![\s\S]*rewrote this)/, 30_000);
    await send("After the undo");
    await tui().waitFor(new RegExp(`After the undo[\\s\\S]*${REPLY}[\\s\\S]*▣\\s+Build · Echo · \\d`), 30_000);
    expect(tui().screen()).not.toMatch(/rewrote this|message reverted/);
    expect(readFileSync(join(home.project, "story.txt"), "utf8")).toBe(ORIGINAL);
    // moor dropped the undone turn for good: its prompt is no longer among the session's messages.
    const messages = await (await fetch(`${server.url}/session/${sessionID}/message`)).text();
    expect(messages).toContain("After the undo");
    expect(messages).not.toContain("rewrote this");
  });

  it("switches agent with Tab, and the next prompt runs as that agent", { timeout: 60_000 }, async () => {
    await tui().waitFor(/┃\s+Build · Echo/, 30_000);
    tui().keys("Tab");
    await tui().waitFor(/┃\s+Plan · Echo/, 30_000);
    await send("Plan something");
    await tui().waitFor(/Plan something[\s\S]*▣\s+Plan · Echo · \d/, 30_000);
    tui().keys("Tab");
    await tui().waitFor(/┃\s+Build · Echo/, 30_000);
  });

  it("/compact summarizes the session", { timeout: 60_000 }, async () => {
    await slash("compact");
    await tui().waitFor(new RegExp(`${SUMMARY}[\\s\\S]*▣\\s+Compaction · Echo · \\d`), 30_000);
    // The screen and the files change before the proxy has the answer: wait for it.
    await waitUntil(
      () => proxy.answers.some((answer) => answer.path.endsWith("/summarize") && answer.status === 200),
      10_000,
    );
  });

  it("runs a `!command` through POST /session/:id/shell", { timeout: 60_000 }, async () => {
    tui().type("!");
    tui().type("echo shell-said-hi");
    tui().keys("Enter");
    // The command (its title) and its output: both come from the bash part moor stored.
    await tui().waitFor(/\$ echo shell-said-hi[\s\S]*^\s*┃\s+shell-said-hi\s*$/m, 30_000);
    // The screen shows the part from the event stream, which comes before the POST's answer: wait for that too.
    await waitUntil(
      () => proxy.answers.some((answer) => answer.path.endsWith("/shell") && answer.status === 200),
      10_000,
    );
  });

  it("never showed a crash or an error, on the screen or as a session.error event", () => {
    expect(brokenScreens, brokenScreens.join("\n----\n")).toEqual([]);
    expect(tui().screen()).not.toMatch(BROKEN);
    const errors = events.filter((item) => item.event.type === "session.error");
    expect(errors, JSON.stringify(errors)).toEqual([]);
  });

  it("moor answered every call of OpenCode's TUI without a 4xx/5xx", () => {
    const failures = proxy.answers.filter((answer) => answer.status >= 400);
    expect(failures, JSON.stringify(failures)).toEqual([]);
  });
});

/** Whether story.txt holds `text` now; an undo or redo rewrites it, and it may be missing for a moment meanwhile. */
function storyIs(text: string): boolean {
  try {
    return readFileSync(join(home.project, "story.txt"), "utf8") === text;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms; screen:\n${tui().screen()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
