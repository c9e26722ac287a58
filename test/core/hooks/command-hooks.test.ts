// Configured hook commands (issue 19 §1) run by a whole core with a scripted model and the real bash tool: what a
// tool.before hook decides is what runs and what the model reads; the other events' hooks run off the turn.
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { HooksConfig } from "../../../src/core/hooks/hook-config.js";
import type { CoreSettings } from "../../../src/core/index.js";
import { createBashTool } from "../../../src/core/tools/bash.js";
import type { HookRan, PermissionRequest, ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep } from "../scripted-model.js";

let dir: string;
let fixture: CoreFixture | undefined;

beforeEach(() => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), "moor-cmd-hooks-")));
});
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const bash = (command: string): ScriptedStep => ({ toolCalls: [{ name: "bash", input: { command } }] });

async function open(steps: ScriptedStep[], hooks: HooksConfig, settings: CoreSettings = { permission: "allow" }) {
  fixture = await openCoreFixture({
    dir,
    steps,
    settings,
    tools: [createBashTool({ env: () => process.env })],
    core: { commandHooks: { config: () => hooks, env: () => ({ PATH: process.env.PATH }) } },
  });
  return fixture;
}

async function prompt(text = "go") {
  const core = fixture?.core;
  if (!core) throw new Error("no core");
  const session = await core.sessions.create({ directory: dir });
  const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text }] });
  const parts = (await core.sessions.messages(session.id))
    .flatMap((message) => message.parts)
    .filter((part): part is ToolPart => part.type === "tool");
  return { session, result, parts };
}

function hookRuns(): HookRan[] {
  return (fixture?.events ?? []).flatMap(({ event }) => (event.type === "hook.ran" ? [event.properties] : []));
}

async function eventually<T>(read: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 250; i++) {
    const value = read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Whether a process runs (a zombie waiting for this container's init to reap it does not). */
function running(pid: number): boolean {
  const stat = readIfThere(`/proc/${pid}/stat`);
  return stat !== undefined && stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
}

const readIfThere = (file: string) => (existsSync(file) ? readFileSync(file, "utf8") : undefined);

/** A hook script: denies `rm` commands with a reason on stderr (exit 2), lets anything else through. */
const NO_RM = `input=$(cat); case "$input" in *'"command":"rm '*) echo "rm is not allowed in this project" >&2; exit 2;; esac`;

describe("tool.before hooks", () => {
  it("deny `rm`: the command does not run, the model reads the hook's stderr as the reason", async () => {
    writeFileSync(join(dir, "keep.txt"), "precious");
    const { model } = await open([bash("rm keep.txt"), { text: "ok" }], {
      "tool.before": [{ matcher: "bash", command: NO_RM }],
    });
    const { result, parts } = await prompt();
    expect(result.finish).toBe("stop");
    expect(existsSync(join(dir, "keep.txt"))).toBe(true);
    expect(parts[0].state).toMatchObject({ status: "error", error: "rm is not allowed in this project" });
    const sent = model.doStreamCalls[1].prompt.filter((message) => message.role === "tool");
    expect(JSON.stringify(sent)).toContain("rm is not allowed in this project");
    await eventually(() => hookRuns()[0], "hook.ran");
    expect(hookRuns()[0]).toMatchObject({ event: "tool.before", exit: 2, tool: "bash", decision: "deny" });
  });

  it("a call's tool.before runs are announced, in one commit, before the tool runs", async () => {
    await open([bash("echo fine > ok.txt"), { text: "ok" }], {
      "tool.before": [{ command: "true" }, { command: "sleep 0.1" }],
    });
    await prompt();
    const events = fixture?.events ?? [];
    const ran = events.flatMap((envelope, at) => (envelope.event.type === "hook.ran" ? [at] : []));
    const toolRuns = events.findIndex(
      ({ event }) =>
        event.type === "message.part.updated" &&
        event.properties.part.type === "tool" &&
        event.properties.part.state.status !== "pending",
    );
    expect(ran).toHaveLength(2);
    expect(toolRuns).toBeGreaterThan(ran[1]);
  });

  it("lets other commands through to the permission rules", async () => {
    await open([bash("echo fine > ok.txt"), { text: "ok" }], { "tool.before": [{ matcher: "bash", command: NO_RM }] });
    const { parts } = await prompt();
    expect(parts[0].state.status).toBe("completed");
    expect(readFileSync(join(dir, "ok.txt"), "utf8")).toBe("fine\n");
  });

  it("a Claude Code hooks block (PreToolUse, matcher Bash, exit 2) works unchanged", async () => {
    writeFileSync(join(dir, "keep.txt"), "precious");
    await open([bash("rm keep.txt"), { text: "ok" }], {
      PreToolUse: [
        {
          matcher: "Bash",
          hooks: [
            {
              type: "command",
              command: `jq -V >/dev/null 2>&1; input=$(cat); case "$input" in *'"tool_name":"Bash"'*'"hook_event_name":"PreToolUse"'*|*'"hook_event_name":"PreToolUse"'*'"tool_name":"Bash"'*) echo "blocked by the claude hook" >&2; exit 2;; esac`,
            },
          ],
        },
      ],
    });
    const { parts } = await prompt();
    expect(existsSync(join(dir, "keep.txt"))).toBe(true);
    expect(parts[0].state).toMatchObject({ status: "error", error: "blocked by the claude hook" });
  });

  it("a hook that hangs is killed at its timeout (its whole process group) and the turn completes", async () => {
    const pidFile = join(dir, "child.pid");
    await open(
      [bash("echo ran > ran.txt"), { text: "ok" }],
      { "tool.before": [{ command: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 400 }] },
      // A failed tool.before hook counts as "ask": --yes answers it here.
      { permission: "allow", autoApprove: true },
    );
    const { result, parts } = await prompt();
    expect(result.finish).toBe("stop");
    expect(parts[0].state.status).toBe("completed");
    const run = await eventually(() => hookRuns()[0], "hook.ran");
    expect(run).toMatchObject({ event: "tool.before", exit: null, decision: "ask" });
    expect(run.error).toMatch(/timed out/);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(running(pid)).toBe(false);
  });

  it('{"decision":"ask"} asks the user where the rules allow; {"decision":"allow"} skips a question', async () => {
    const asked: PermissionRequest[] = [];
    await open(
      [bash("echo one > one.txt"), bash("echo two > two.txt"), { text: "ok" }],
      {
        "tool.before": [
          {
            command: `grep -q one && echo '{"decision":"ask"}' || echo '{"hookSpecificOutput":{"permissionDecision":"allow"}}'`,
          },
        ],
      },
      { permission: { bash: { "echo one": "allow", "*": "ask" }, edit: "allow" } },
    );
    fixture?.core.bus.subscribe(({ event }) => {
      if (event.type !== "permission.asked") return;
      asked.push(event.properties);
      void fixture?.core.gate.reply(event.properties.id, "once");
    });
    const { parts } = await prompt();
    expect(parts.map((part) => part.state.status)).toEqual(["completed", "completed"]);
    expect(asked.map((request) => request.patterns)).toEqual([[join(dir, "one.txt")]]);
  });
});

describe("hooks off the turn's path", () => {
  it("a tool.after hook reads the tool's output on stdin", async () => {
    const out = join(dir, "after.json");
    await open([bash("echo hello-from-the-tool"), { text: "ok" }], {
      "tool.after": [{ matcher: "bash", command: `cat > ${out}` }],
    });
    await prompt();
    const text = await eventually(() => readIfThere(out) || undefined, "after.json");
    const input = JSON.parse(text);
    expect(input).toMatchObject({ event: "tool.after", tool: "bash", directory: dir, hook_event_name: "PostToolUse" });
    expect(input.output).toContain("hello-from-the-tool");
    expect(input.tool_response.output).toContain("hello-from-the-tool");
    expect(input.tool_input).toEqual({ command: "echo hello-from-the-tool" });
  });

  it("a session.idle hook writes a file once the turn is over; a prompt.submitted hook reads the prompt", async () => {
    const idle = join(dir, "idle.json");
    const prompted = join(dir, "prompt.json");
    await open([{ text: "done" }], {
      "session.idle": [{ command: `cat > ${idle}` }],
      UserPromptSubmit: [{ hooks: [{ type: "command", command: `cat > ${prompted}` }] }],
    });
    const { session } = await prompt("fix the build");
    const input = JSON.parse(await eventually(() => readIfThere(idle) || undefined, "idle.json"));
    expect(input).toMatchObject({ event: "session.idle", sessionID: session.id, hook_event_name: "Stop" });
    const submitted = JSON.parse(await eventually(() => readIfThere(prompted) || undefined, "prompt.json"));
    expect(submitted).toMatchObject({ event: "prompt.submitted", prompt: "fix the build" });
  });

  it("keeps each session's order: tool.after before the session.idle after it, each event's hooks as listed", async () => {
    const log = join(dir, "order.log");
    await open([bash("echo a"), { text: "one" }, bash("echo b"), { text: "two" }], {
      // The first hook is the slowest: a later one overtaking it would show.
      "tool.after": [{ command: `sleep 0.2; echo after-1 >> ${log}` }, { command: `echo after-2 >> ${log}` }],
      "session.idle": [{ command: `sleep 0.1; echo idle-1 >> ${log}` }, { command: `echo idle-2 >> ${log}` }],
    });
    const { session } = await prompt();
    await fixture?.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "again" }] });
    const turn = ["after-1", "after-2", "idle-1", "idle-2"];
    const text = await eventually(() => {
      const lines = readIfThere(log)?.trim().split("\n") ?? [];
      return lines.length >= 8 ? lines : undefined;
    }, "eight hook runs");
    expect(text).toEqual([...turn, ...turn]);
    await eventually(() => (hookRuns().length >= 8 ? true : undefined), "eight hook.ran");
    // Told apart by the word each writes: the log's temp dir name may hold "-1" too.
    expect(hookRuns().map((run) => `${run.event}:${/(after|idle)-1 >>/.test(run.command) ? 1 : 2}`)).toEqual(
      Array(2).fill(["tool.after:1", "tool.after:2", "session.idle:1", "session.idle:2"]).flat(),
    );
  });

  it("announces an event's runs in one commit (a commit each cost the server more than the hooks)", async () => {
    const opened = await open([{ text: "done" }], {
      "session.idle": [{ command: "true" }, { command: "true" }, { command: "true" }],
    });
    // Commits whose events are all hook.ran: the store's own commit, counted.
    let hookCommits = 0;
    const commit = opened.store.commit.bind(opened.store);
    opened.store.commit = ((scope, write) =>
      commit(scope, (tx) => {
        const emit = tx.emit.bind(tx);
        let onlyHookRuns = true;
        let emitted = 0;
        tx.emit = ((type, properties) => {
          emitted++;
          if (type !== "hook.ran") onlyHookRuns = false;
          return emit(type, properties);
        }) as typeof tx.emit;
        const result = write(tx);
        if (emitted > 0 && onlyHookRuns) hookCommits++;
        return result;
      })) as typeof opened.store.commit;
    await prompt();
    await eventually(() => (hookRuns().length >= 3 ? true : undefined), "three hook.ran");
    expect(hookRuns().map((run) => run.exit)).toEqual([0, 0, 0]);
    // One answer from the spawner for the event, one commit for its runs.
    expect(hookCommits).toBe(1);
  });

  it("a failing session.idle hook breaks nothing: hook.ran says why, the next turn runs", async () => {
    const failures: string[] = [];
    fixture = await openCoreFixture({
      dir,
      steps: [{ text: "one" }, { text: "two" }],
      settings: { permission: "allow" },
      core: {
        commandHooks: {
          config: () => ({ "session.idle": [{ command: "echo broken >&2; exit 3" }] }),
          env: () => ({ PATH: process.env.PATH }),
          onFailure: (message) => failures.push(message),
        },
      },
    });
    const { session, result } = await prompt();
    expect(result.finish).toBe("stop");
    const run = await eventually(() => hookRuns()[0], "hook.ran");
    expect(run).toMatchObject({ event: "session.idle", sessionID: session.id, exit: 3, output: "broken" });
    expect(run.error).toMatch(/exited with 3/);
    expect(failures[0]).toMatch(/session\.idle `echo broken >&2; exit 3` exited with 3/);
    const again = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "more" }] });
    expect(again.finish).toBe("stop");
  });
});
