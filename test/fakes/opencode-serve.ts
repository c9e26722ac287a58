// Starts a real `opencode serve` (the pinned opencode-ai devDependency) offline, on the fake model: a home of its
// own, a git project with an opencode.json pointing at the fake LLM, and the switches that keep it off the network
// (plugin install, models.dev fetch, LSP downloads, sharing). Slow to start on a busy machine: start it once per file.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const OPENCODE = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));

export interface OpencodeServe {
  url: string;
  root: string;
  /** OpenCode's working directory (a git repository): its sessions' directory. */
  project: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startOpencodeServe(llmUrl: string, timeoutMs = 150_000): Promise<OpencodeServe> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "moor-opencode-serve-")));
  const project = join(root, "project");
  for (const dir of [".config", ".local/share", ".cache", ".local/state", "project"])
    mkdirSync(join(root, dir), { recursive: true });
  execFileSync("git", ["init", "-q", project]);
  writeFileSync(
    join(project, "opencode.json"),
    JSON.stringify({
      model: "fake/echo",
      autoupdate: false,
      share: "disabled",
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llmUrl, apiKey: "test-key" },
          models: { echo: { name: "Echo", tool_call: true } },
        },
      },
    }),
  );
  const env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: root,
    XDG_CONFIG_HOME: join(root, ".config"),
    XDG_DATA_HOME: join(root, ".local/share"),
    XDG_CACHE_HOME: join(root, ".cache"),
    XDG_STATE_HOME: join(root, ".local/state"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_CLAUDE_CODE: "1",
    OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
    OPENCODE_DISABLE_SHARE: "1",
    OPENCODE_PURE: "1",
  };
  const child = spawn(OPENCODE, ["serve", "--port", "0", "--hostname", "127.0.0.1"], {
    cwd: project,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      const done = () => {
        rmSync(root, { recursive: true, force: true });
        resolve();
      };
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once("close", done);
      child.kill("SIGKILL");
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const match = /listening on (http:\/\/\S+)/.exec(output);
    if (match) return { url: match[1], root, project, child, stop };
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await stop();
  throw new Error(`opencode serve did not start: ${output.slice(-800)}`);
}
