// Config `hooks`: the user's and a trusted project's add up per event; an untrusted project's wait for trust; a hook
// without a command is named in one line.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { resolvePaths } from "../../src/config/paths.js";
import { parseHooks } from "../../src/core/hooks/hook-config.js";

function setup(project: unknown, global: unknown) {
  const root = mkdtempSync(join(tmpdir(), "moor-hooks-config-"));
  const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "global"), MOOR_DATA_DIR: join(root, "data") }, root);
  const dir = join(root, "project");
  mkdirSync(join(dir, ".moor"), { recursive: true });
  mkdirSync(paths.config, { recursive: true });
  writeFileSync(join(paths.config, "moor.json"), JSON.stringify(global));
  writeFileSync(join(dir, ".moor", "config.json"), JSON.stringify(project));
  return { paths, dir };
}

describe("hooks config", () => {
  it("adds a trusted project's hooks after the user's for the same event; an untrusted one's are held back", async () => {
    const { paths, dir } = setup(
      { hooks: { "tool.before": [{ command: "project-guard" }] } },
      {
        hooks: {
          "tool.before": [{ matcher: "bash", command: "user-guard" }],
          Stop: [{ hooks: [{ type: "command", command: "notify", timeout: 5 }] }],
        },
      },
    );
    const trusted = await loadConfig({ paths, cwd: dir, env: {}, trusted: true });
    const parsed = parseHooks(trusted.config.hooks);
    expect(parsed.hooks.map(({ event, command, timeoutMs, shape }) => ({ event, command, timeoutMs, shape }))).toEqual([
      { event: "tool.before", command: "user-guard", timeoutMs: 60_000, shape: "moor" },
      { event: "tool.before", command: "project-guard", timeoutMs: 60_000, shape: "moor" },
      { event: "session.idle", command: "notify", timeoutMs: 5000, shape: "claude" },
    ]);
    const untrusted = await loadConfig({ paths, cwd: dir, env: {}, trusted: false });
    expect(parseHooks(untrusted.config.hooks).hooks.map((hook) => hook.command)).toEqual(["user-guard", "notify"]);
    expect(untrusted.heldBack).toEqual([expect.objectContaining({ key: "hooks", reason: "runs commands" })]);
  });

  it("matches tools by moor's and Claude Code's names; lists events moor does not run as ignored", () => {
    const { hooks, ignored } = parseHooks({
      PreToolUse: [{ matcher: "Edit|Write", hooks: [{ type: "command", command: "a" }] }],
      "tool.after": [{ matcher: "bash", command: "b" }],
      SessionStart: [{ hooks: [{ type: "command", command: "c" }] }],
    });
    expect(ignored).toEqual(["SessionStart"]);
    expect(hooks[0].matches(["edit", "Edit"])).toBe(true);
    expect(hooks[0].matches(["bash", "Bash"])).toBe(false);
    expect(hooks[1].matches(["bash", "Bash"])).toBe(true);
    expect(hooks[1].matches(["read", "Read"])).toBe(false);
  });

  it("a hook without a command is a config error naming it", async () => {
    const { paths, dir } = setup({}, { hooks: { "tool.before": [{ matcher: "bash" }] } });
    await expect(loadConfig({ paths, cwd: dir, env: {}, trusted: true })).rejects.toThrow(
      /hooks\.tool\.before\.0: a hook needs a `command`/,
    );
  });
});
