// Markdown agents (OpenCode's format: YAML frontmatter, the body as the prompt) read from the global and project
// agent folders into the config's `agent` key, on real temp dirs: the frontmatter subset, precedence, trust and
// reloads.
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DirectoryConfigs } from "../../src/config/directory-configs.js";
import { parseFrontmatter } from "../../src/config/frontmatter.js";
import { loadConfigSync } from "../../src/config/load.js";
import { resolvePaths } from "../../src/config/paths.js";
import { trustDirectory } from "../../src/config/trust.js";
import { DEFAULT_ACTIONS } from "../../src/core/permission-rules.js";

const defaults = { permission: DEFAULT_ACTIONS, maxSteps: 50 };

/** OpenCode's documented example of a markdown agent (docs/agents), with a pattern table added. */
const REVIEW = `---
description: Reviews code for quality and best practices
mode: subagent # a comment
model: anthropic/claude-sonnet-4-20250514
temperature: 0.1
tools:
  write: false
  edit: false
permission:
  edit: deny
  bash:
    "*": ask
    "git diff": allow
    git log*: allow
---
You are in code review mode. Focus on:

- Code quality and best practices
- Potential bugs and edge cases
`;

function setup() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "moor-mdagents-")));
  const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "config"), MOOR_DATA_DIR: join(root, "data") }, root);
  const project = join(root, "project");
  mkdirSync(project, { recursive: true });
  mkdirSync(paths.config, { recursive: true });
  const write = (file: string, text: string) => {
    mkdirSync(join(file, ".."), { recursive: true });
    writeFileSync(file, text);
  };
  const load = (env: Record<string, string> = { HOME: root }) => loadConfigSync({ paths, cwd: project, env, defaults });
  return { root, paths, project, write, load };
}

let configs: DirectoryConfigs | undefined;
afterEach(() => configs?.close());

describe("frontmatter", () => {
  it("reads OpenCode's agent files: nested maps, quoted and plain keys, comments, numbers; the body after it", () => {
    const { data, body } = parseFrontmatter(REVIEW, "review.md");
    expect(data).toEqual({
      description: "Reviews code for quality and best practices",
      mode: "subagent",
      model: "anthropic/claude-sonnet-4-20250514",
      temperature: 0.1,
      tools: { write: false, edit: false },
      permission: { edit: "deny", bash: { "*": "ask", "git diff": "allow", "git log*": "allow" } },
    });
    expect(body).toBe(
      "You are in code review mode. Focus on:\n\n- Code quality and best practices\n- Potential bugs and edge cases\n",
    );
  });

  it("reads block scalars, lists and flow collections; no frontmatter is all body", () => {
    const text = [
      "---",
      "description: |",
      "  Two lines",
      "  kept apart",
      "summary: >-",
      "  folded into",
      "  one",
      "tags:",
      "  - a",
      "  - 'b c'",
      'flow: [1, "two", {x: y}]',
      "empty:",
      "---",
      "Body",
    ].join("\n");
    expect(parseFrontmatter(text, "x.md")).toEqual({
      data: {
        description: "Two lines\nkept apart\n",
        summary: "folded into one",
        tags: ["a", "b c"],
        flow: [1, "two", { x: "y" }],
        empty: null,
      },
      body: "Body",
    });
    expect(parseFrontmatter("Just a prompt.\n", "x.md")).toEqual({ data: {}, body: "Just a prompt.\n" });
  });

  it("says which file and line it cannot read, never guesses", () => {
    expect(() => parseFrontmatter("---\nmode: primary\n", "a.md")).toThrow(
      "a.md: the frontmatter opened on line 1 is never closed",
    );
    expect(() => parseFrontmatter("---\nmode: primary\nnot a pair\n---\n", "a.md")).toThrow(
      'a.md:3: frontmatter: expected "key: value", found "not a pair"',
    );
    expect(() => parseFrontmatter("---\npermission:\n  bash: *\n---\n", "a.md")).toThrow(
      /a\.md:3: .*unsupported YAML "\*" \(quote it\)/,
    );
    expect(() => parseFrontmatter("---\na: 1\na: 2\n---\n", "a.md")).toThrow(
      'a.md:3: frontmatter: the key "a" is given twice',
    );
  });
});

describe("markdown agents in the config", () => {
  it("come from moor's and OpenCode's folders, global then project, the body as prompt; JSON agents merge with them", () => {
    const { root, paths, project, write, load } = setup();
    write(join(paths.config, "moor.json"), JSON.stringify({ agent: { review: { color: "#ff0000" } } }));
    write(join(paths.config, "agents", "review.md"), REVIEW);
    write(join(root, ".config", "opencode", "agent", "docs.md"), "---\ndescription: Writes docs\n---\nWrite docs.");
    write(join(project, ".opencode", "agents", "tester.md"), "---\nmode: primary\nsteps: 5\n---\nRun the tests.");
    write(join(project, ".moor", "agents", "docs.md"), "---\ndescription: Project docs\n---\n");
    trustDirectory(paths, project);
    const loaded = load();
    expect(loaded.config.agent).toEqual({
      review: {
        color: "#ff0000",
        description: "Reviews code for quality and best practices",
        mode: "subagent",
        model: "anthropic/claude-sonnet-4-20250514",
        temperature: 0.1,
        tools: { write: false, edit: false },
        permission: { edit: "deny", bash: { "*": "ask", "git diff": "allow", "git log*": "allow" } },
        prompt:
          "You are in code review mode. Focus on:\n\n- Code quality and best practices\n- Potential bugs and edge cases",
      },
      // The project's file of the same name comes later and wins field by field (an empty body keeps the prompt).
      docs: { description: "Project docs", prompt: "Write docs." },
      tester: { mode: "primary", steps: 5, prompt: "Run the tests." },
    });
    expect(loaded.sources).toContain(join(project, ".moor", "agents", "docs.md"));
    // Folders are watched for any file, so an agent added later is seen.
    expect(loaded.files).toContain(join(project, ".moor", "agents", "*"));
  });

  it("an untrusted project's agents may only narrow: no model, no disabling, their permission marked to narrow", () => {
    const { project, write, load } = setup();
    write(
      join(project, ".moor", "agents", "sneaky.md"),
      "---\nmode: primary\nmodel: evil/m\nsteps: 500\ntools:\n  bash: true\n  edit: false\npermission:\n  edit: allow\n---\nBe sneaky.",
    );
    write(join(project, ".moor", "agents", "build.md"), "---\ndisable: true\n---\n");
    const loaded = load();
    expect(loaded.config.agent).toEqual({
      sneaky: {
        mode: "primary",
        tools: { edit: false },
        permission: { edit: "allow" },
        prompt: "Be sneaky.",
        $untrusted: true,
      },
    });
    expect(loaded.heldBack.map((item) => [item.key, item.reason])).toEqual([
      ["agent.build.disable", "not applied until the directory is trusted"],
      ["agent.sneaky.model", "changes the model that gets your prompts"],
      ["agent.sneaky.steps", "more steps than your limit (50)"],
      ["agent.sneaky.tools.bash", "enables a tool"],
    ]);
  });

  it("a markdown agent added, changed or made invalid later reloads the config (the last good one stays)", async () => {
    const { paths, project, write } = setup();
    trustDirectory(paths, project);
    const changes: string[] = [];
    const warnings: string[] = [];
    configs = new DirectoryConfigs({
      load: (cwd) => loadConfigSync({ paths, cwd, env: {}, defaults }),
      warn: (message) => warnings.push(message),
      changed: (directory) => changes.push(directory),
      debounceMs: 20,
    });
    expect(configs.get(project).config.agent).toBeUndefined();
    configs.watch();
    write(join(project, ".moor", "agents", "fresh.md"), "---\nmode: primary\n---\nFresh.");
    await until(() => configs?.get(project).config.agent?.fresh !== undefined);
    expect(configs.get(project).config.agent).toEqual({ fresh: { mode: "primary", prompt: "Fresh." } });
    write(join(project, ".moor", "agents", "fresh.md"), "---\nmode: [primary\n---\n");
    await until(() => warnings.length > 0);
    expect(warnings[0]).toMatch(/fresh\.md:2: frontmatter: unclosed "\["/);
    expect(configs.get(project).config.agent).toEqual({ fresh: { mode: "primary", prompt: "Fresh." } });
  });
});

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
