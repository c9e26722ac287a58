// OpenCode's own TUI (`opencode attach URL`, the pinned opencode-ai devDependency) against `moor serve`, in tmux:
// it used to crash ("undefined is not an object (evaluating 'q?.limit.context')") because moor's model objects lacked
// OpenCode's fields. It must load, prompt, stream the reply, and never show "crashed"; a counting proxy in front of
// moor records every 4xx/5xx moor gave it.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type CountingProxy, startCountingProxy } from "../fakes/counting-proxy.js";
import { type FakeLlm, mockToolConvention, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

const OPENCODE = fileURLToPath(new URL("../../node_modules/.bin/opencode", import.meta.url));
const REPLY = "Streamed from moor";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle;
let proxy: CountingProxy;
let tmux: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.respond((request) => mockToolConvention(request, { text: REPLY }));
  // The user's `!command` goes through the permission rules: allowed here, so no question stops it.
  home = makeTempHome(llm.url, { permission: { bash: "allow" } });
  writeFileSync(join(home.project, "notes.txt"), "notes for the read tool\n");
  server = await startServe(home.env, [], home.project);
  proxy = await startCountingProxy(server.url);
}, 60_000);
afterAll(async () => {
  tmux?.kill();
  await proxy?.close();
  await server?.stop("SIGKILL");
  await llm?.close();
});

/** OpenCode in a home of its own (config, data, cache and state dirs), as a user would start it. */
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
  };
}

describe("opencode attach (OpenCode's TUI) against moor serve", () => {
  it("loads, prompts, streams the reply, never crashes", {
    timeout: 120_000,
  }, async () => {
    tmux = TmuxSession.start(
      `moor-oc-attach-${process.pid}`,
      `${OPENCODE} attach ${proxy.url}`,
      opencodeEnv(),
      home.project,
    );
    const notCrashed = (screen: string) => expect(screen).not.toMatch(/crashed|is not an object/i);
    notCrashed(await tmux.waitFor(/ask anything|build/i, 60_000));
    tmux.type("Say hello");
    tmux.keys("Enter");
    notCrashed(await tmux.waitFor(new RegExp(REPLY), 30_000));
    notCrashed(tmux.screen());
  });

  it("shows a tool call and runs a `!command` through POST /session/:id/shell", { timeout: 60_000 }, async () => {
    if (!tmux) throw new Error("the TUI did not start");
    const notCrashed = (screen: string) => expect(screen).not.toMatch(/crashed|is not an object/i);
    tmux.type(`MOCK_TOOL read ${JSON.stringify({ filePath: "notes.txt" })}`);
    tmux.keys("Enter");
    // OpenCode draws a completed read as "→ Read notes.txt" (the typed prompt shows the JSON, not this).
    notCrashed(await tmux.waitFor(/Read\s+notes\.txt/, 30_000));
    tmux.type("!");
    tmux.type("echo shell-said-hi");
    tmux.keys("Enter");
    // The command (its title) and its output: both come from the bash part moor stored.
    notCrashed(await tmux.waitFor(/\$ echo shell-said-hi[\s\S]*^\s*┃\s+shell-said-hi\s*$/m, 30_000));
    expect(proxy.answers.some((answer) => answer.path.endsWith("/shell") && answer.status === 200)).toBe(true);
  });

  it("moor answered every call of OpenCode's TUI without a 4xx/5xx", () => {
    const failures = proxy.answers.filter((answer) => answer.status >= 400);
    expect(failures, JSON.stringify(failures)).toEqual([]);
  });
});
