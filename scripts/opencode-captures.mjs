// Captures OpenCode's own TUI (the pinned opencode-ai devDependency) on the same fake model and the same replies as
// moor's test/tui/attach-rich.test.ts, for the side-by-side comparison of issue 16: a markdown reply, the running
// turn, an edit's permission question, and tool lines. Offline: a temp HOME with OpenCode's plugin install and
// models.dev fetch switched off (without them it waits on the network at start). Needs tmux; takes a few minutes.
// Usage: node scripts/opencode-captures.mjs [DIR]   (default test/artifacts; then scripts/ansi-captures-to-png.mjs)
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const OUT = resolve(process.argv[2] ?? join(ROOT, "test/artifacts"));
const OPENCODE = join(ROOT, "node_modules/.bin/opencode");
const SESSION = `opencode-captures-${process.pid}`;
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

// The fake model and the sample reply are TypeScript: compiled once into the temp dir (both are dependency-free).
const work = mkdtempSync(join(tmpdir(), "opencode-captures-"));
const compiled = join(work, "fakes");
const sources = ["test/fakes/llm-server.ts", "test/tui/sample-replies.ts"];
const options = ["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck"];
execFileSync(join(ROOT, "node_modules/.bin/tsc"), [...sources, "--outDir", compiled, ...options], { cwd: ROOT });
writeFileSync(join(compiled, "package.json"), '{"type":"module"}');
const { startFakeLlm } = await import(join(compiled, "fakes/llm-server.js"));
const { MARKDOWN_REPLY } = await import(join(compiled, "tui/sample-replies.js"));

const project = join(work, "project");
const notes = join(project, "notes.txt");
for (const dir of [".config", ".local/share", ".cache", ".local/state", "project"])
  mkdirSync(join(work, dir), { recursive: true });
writeFileSync(notes, "alpha\nbeta\ngamma\n");
execFileSync("git", ["init", "-q", project]);

// What the model says depends on the prompt: the last user message picks the scene.
const llm = await startFakeLlm();
llm.respond((request) => {
  const last = request.messages.at(-1);
  const prompt = [...request.messages].reverse().find((message) => message.role === "user");
  const asked = JSON.stringify(prompt?.content ?? "");
  if (asked.includes("change beta"))
    return last.role === "user"
      ? { toolCalls: [{ name: "edit", args: { filePath: notes, oldString: "beta", newString: "BETA changed" } }] }
      : { text: "Edited." };
  if (asked.includes("run the tools"))
    return last.role === "user"
      ? {
          toolCalls: [
            { name: "bash", args: { command: "echo hi && exit 3", description: "Fail on purpose" } },
            { name: "grep", args: { pattern: "beta|gamma" } },
            { name: "glob", args: { pattern: "*.txt" } },
          ],
        }
      : { text: "Done." };
  return { text: MARKDOWN_REPLY, delayMs: 25 };
});
writeFileSync(
  join(project, "opencode.json"),
  JSON.stringify({
    model: "fake/echo",
    autoupdate: false,
    share: "disabled",
    provider: {
      fake: {
        npm: "@ai-sdk/openai-compatible",
        options: { baseURL: llm.url, apiKey: "test-key" },
        models: { echo: { name: "Echo", tool_call: true } },
      },
    },
    permission: { edit: "ask", bash: "allow" },
  }),
);

const env = {
  HOME: work,
  XDG_CONFIG_HOME: join(work, ".config"),
  XDG_DATA_HOME: join(work, ".local/share"),
  XDG_CACHE_HOME: join(work, ".cache"),
  XDG_STATE_HOME: join(work, ".local/state"),
  OPENCODE_DISABLE_AUTOUPDATE: "1",
  OPENCODE_DISABLE_MODELS_FETCH: "1",
  OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
  OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
  OPENCODE_DISABLE_CLAUDE_CODE: "1",
  OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
  OPENCODE_DISABLE_SHARE: "1",
  OPENCODE_PURE: "1",
  TERM: "xterm-256color",
  COLORTERM: "truecolor",
};
const exports = Object.entries(env)
  .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
  .join(" ");

const tmux = (...args) => execFileSync("tmux", args, { encoding: "utf8" });
const screen = () => tmux("capture-pane", "-p", "-t", SESSION);
async function waitFor(pattern, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pattern.test(screen())) return;
    await sleep(1000);
  }
  throw new Error(`timed out waiting for ${pattern} on:\n${screen()}`);
}
function save(name) {
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, `opencode-${name}.ansi`), tmux("capture-pane", "-p", "-e", "-t", SESSION));
  console.log(join(OUT, `opencode-${name}.ansi`));
}
async function send(text) {
  tmux("send-keys", "-t", SESSION, "-l", text);
  await sleep(500);
  tmux("send-keys", "-t", SESSION, "Enter");
}

try {
  tmux("new-session", "-d", "-s", SESSION, "-x", "120", "-y", "40", "-c", project, `env ${exports} ${OPENCODE}`);
  await waitFor(/Ask anything/);
  await send("explain");
  await sleep(3000);
  save("running");
  await waitFor(/▣ +Build · Echo · /);
  save("markdown");
  tmux("send-keys", "-t", SESSION, "-l", "/");
  await sleep(2000);
  save("slash");
  tmux("send-keys", "-t", SESSION, "BSpace");
  await send("/new");
  await waitFor(/Ask anything/);
  await send("change beta");
  await waitFor(/Allow once/);
  save("edit-question");
  tmux("send-keys", "-t", SESSION, "Right");
  await sleep(500);
  tmux("send-keys", "-t", SESSION, "Enter");
  await waitFor(/Always allow/);
  save("edit-always");
  tmux("send-keys", "-t", SESSION, "Enter");
  await waitFor(/Edited\./);
  save("edit-done");
  await send("/new");
  await waitFor(/Ask anything/);
  await send("run the tools");
  await waitFor(/Done\./);
  save("tools");
} finally {
  try {
    tmux("kill-session", "-t", SESSION);
  } catch {}
  await llm.close();
  // OpenCode may still be writing into its config dir as it exits after the tmux session is gone.
  rmSync(work, { recursive: true, force: true, maxRetries: 10, retryDelay: 500 });
}
