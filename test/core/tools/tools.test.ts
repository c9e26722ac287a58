import { execFileSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createBashTool } from "../../../src/core/tools/bash.js";
import { unifiedDiff } from "../../../src/core/tools/diff.js";
import { createEditTool } from "../../../src/core/tools/edit.js";
import { createGlobTool } from "../../../src/core/tools/glob.js";
import { formatMatches, grepWithJs, grepWithRipgrep } from "../../../src/core/tools/grep.js";
import { createLsTool } from "../../../src/core/tools/ls.js";
import { createReadTool } from "../../../src/core/tools/read.js";
import { createTodoReadTool, createTodoWriteTool, type TodoList } from "../../../src/core/tools/todo.js";
import { PermissionDeniedError } from "../../../src/core/tools/tool.js";
import { findRipgrep, globMatcher } from "../../../src/core/tools/walk.js";
import { createWriteTool } from "../../../src/core/tools/write.js";
import type { Todo } from "../../../src/protocol/index.js";
import { makeContext } from "./context.js";

/** Running, not a zombie: in a container the orphan's reaper may be slow, and a zombie has already been killed. */
const isAlive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
};

describe("read", () => {
  it("numbers lines, honours offset and limit, and says where to continue", async () => {
    const ctx = makeContext();
    writeFileSync(join(ctx.directory, "f.txt"), Array.from({ length: 10 }, (_, i) => `line ${i + 1}`).join("\n"));
    const result = await createReadTool().execute({ filePath: "f.txt", offset: 3, limit: 2 }, ctx);
    expect(result.output).toContain("00003| line 3\n00004| line 4");
    expect(result.output).not.toContain("line 5");
    expect(result.output).toContain("offset=5");
  });

  it("refuses binary files and missing files with clear errors", async () => {
    const ctx = makeContext();
    writeFileSync(join(ctx.directory, "blob.dat"), Buffer.from([1, 2, 0, 3]));
    await expect(createReadTool().execute({ filePath: "blob.dat" }, ctx)).rejects.toThrow(/binary/);
    await expect(createReadTool().execute({ filePath: "nope.txt" }, ctx)).rejects.toThrow(/File not found: nope.txt/);
  });

  it("refuses a named pipe at once (its read waited for a writer for good); write and edit refuse it too", async () => {
    const ctx = makeContext();
    execFileSync("mkfifo", [join(ctx.directory, "pipe")]);
    await expect(createReadTool().execute({ filePath: "pipe" }, ctx)).rejects.toThrow(/pipe is not a regular file/);
    await expect(createWriteTool().execute({ filePath: "pipe", content: "x" }, ctx)).rejects.toThrow(
      /not a regular file/,
    );
    await expect(createEditTool().execute({ filePath: "pipe", oldString: "a", newString: "b" }, ctx)).rejects.toThrow(
      /not a regular file/,
    );
  });

  it("reads a window of a file over 16 MB as a stream: a 3 GB log's first lines (a whole read failed over 2 GB)", async () => {
    const ctx = makeContext();
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"y".repeat(36)}`;
    const file = join(ctx.directory, "huge.log");
    // 500 lines of text, then a hole up to 3 GB (sparse: no disk is used).
    writeFileSync(file, `${Array.from({ length: 500 }, (_, i) => line(i + 1)).join("\n")}\n`);
    truncateSync(file, 3 * 1024 ** 3);
    const head = await createReadTool().execute({ filePath: "huge.log", offset: 100, limit: 3 }, ctx);
    expect(head.output).toContain(`00100| ${line(100)}\n00101| ${line(101)}\n00102| ${line(102)}\n`);
    expect(head.output).not.toContain(line(103));
    expect(head.output).toContain("Use offset=103");
  });

  it("a streamed read to the end of a large file gives its line count; a large binary file is refused", async () => {
    const ctx = makeContext();
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"y".repeat(36)}`;
    writeFileSync(
      join(ctx.directory, "big.log"),
      `${Array.from({ length: 400_000 }, (_, i) => line(i + 1)).join("\n")}\n`,
    );
    const tail = await createReadTool().execute({ filePath: "big.log", offset: 399_999 }, ctx);
    expect(tail.output).toContain(`399999| ${line(399_999)}\n400000| ${line(400_000)}`);
    expect(tail.output).toContain("(End of file - total 400000 lines)");
    writeFileSync(
      join(ctx.directory, "big.bin"),
      Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(17 * 1024 * 1024, 65)]),
    );
    await expect(createReadTool().execute({ filePath: "big.bin" }, ctx)).rejects.toThrow(/binary/);
  });

  it("caps very long lines", async () => {
    const ctx = makeContext();
    writeFileSync(join(ctx.directory, "long.txt"), "x".repeat(5000));
    const result = await createReadTool().execute({ filePath: "long.txt" }, ctx);
    expect(result.output).toContain(`${"x".repeat(2000)}...`);
    expect(result.output).not.toContain("x".repeat(2001));
  });
});

describe("write and edit", () => {
  it("write creates directories, asks edit, and reports a diff", async () => {
    const ctx = makeContext();
    const result = await createWriteTool().execute({ filePath: "a/b/c.txt", content: "one\n" }, ctx);
    expect(readFileSync(join(ctx.directory, "a/b/c.txt"), "utf8")).toBe("one\n");
    expect(ctx.asks.map((a) => a.permission)).toEqual(["edit"]);
    expect(result.metadata.exists).toBe(false);
    expect(result.metadata.diff).toContain("+one");
  });

  it("edit replaces a unique match, refuses an ambiguous one unless replaceAll", async () => {
    const ctx = makeContext();
    const file = join(ctx.directory, "e.txt");
    writeFileSync(file, "a = 1\nb = 1\n");
    await expect(
      createEditTool().execute({ filePath: "e.txt", oldString: "= 1", newString: "= 2" }, ctx),
    ).rejects.toThrow(/found 2 times.*replaceAll/);
    await createEditTool().execute({ filePath: "e.txt", oldString: "a = 1", newString: "a = 3" }, ctx);
    expect(readFileSync(file, "utf8")).toBe("a = 3\nb = 1\n");
    const all = await createEditTool().execute(
      { filePath: "e.txt", oldString: "= ", newString: ": ", replaceAll: true },
      ctx,
    );
    expect(readFileSync(file, "utf8")).toBe("a : 3\nb : 1\n");
    expect(all.metadata.additions).toBe(2);
    await expect(
      createEditTool().execute({ filePath: "e.txt", oldString: "zzz", newString: "y" }, ctx),
    ).rejects.toThrow(/not found/);
  });

  it("a denied edit never writes", async () => {
    const ctx = makeContext({ deny: (ask) => ask.permission === "edit" });
    await expect(createWriteTool().execute({ filePath: "x.txt", content: "no" }, ctx)).rejects.toBeInstanceOf(
      PermissionDeniedError,
    );
    expect(existsSync(join(ctx.directory, "x.txt"))).toBe(false);
  });

  it("unifiedDiff counts additions and deletions with hunks", () => {
    const diff = unifiedDiff("f", "a\nb\nc\n", "a\nB\nc\nd\n");
    expect(diff.additions).toBe(2);
    expect(diff.deletions).toBe(1);
    expect(diff.patch).toContain("@@ -1,3 +1,4 @@\n a\n-b\n+B\n c\n+d");
  });
});

describe("path confinement", () => {
  it("asks external_directory for .., absolute and symlinked paths, and a refusal stops the tool first", async () => {
    const outside = mkdtempSync(join(tmpdir(), "moor-outside-"));
    writeFileSync(join(outside, "secret.txt"), "secret");
    const ctx = makeContext({ deny: (ask) => ask.permission === "external_directory" });
    mkdirSync(join(ctx.directory, "sub"));
    symlinkSync(outside, join(ctx.directory, "sub", "link"));
    for (const filePath of ["../escape.txt", join(outside, "secret.txt"), "sub/link/secret.txt", "sub/link/new.txt"]) {
      await expect(createReadTool().execute({ filePath }, ctx)).rejects.toBeInstanceOf(PermissionDeniedError);
      await expect(createWriteTool().execute({ filePath, content: "x" }, ctx)).rejects.toBeInstanceOf(
        PermissionDeniedError,
      );
    }
    expect(ctx.asks.every((ask) => ask.permission === "external_directory")).toBe(true);
    expect(readFileSync(join(outside, "secret.txt"), "utf8")).toBe("secret");
    expect(existsSync(join(outside, "new.txt"))).toBe(false);
  });

  it("a write through a dangling symlink, a chain of links or a linked parent asks external_directory", async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), "moor-outside-")));
    const ctx = makeContext({ deny: (ask) => ask.permission === "external_directory" });
    symlinkSync(join(outside, "new.txt"), join(ctx.directory, "dangling"));
    symlinkSync("dangling", join(ctx.directory, "chain1"));
    symlinkSync(join(ctx.directory, "chain1"), join(ctx.directory, "chain2"));
    symlinkSync(join(outside, "newdir"), join(ctx.directory, "dangling-dir"));
    mkdirSync(join(ctx.directory, "sub"));
    symlinkSync("../dangling-dir/../new2.txt", join(ctx.directory, "sub", "climb"));
    const cases: [string, string][] = [
      ["dangling", join(outside, "new.txt")],
      ["chain2", join(outside, "new.txt")],
      ["dangling-dir/x.txt", join(outside, "newdir", "x.txt")],
      ["sub/climb", join(outside, "new2.txt")],
    ];
    for (const [filePath, real] of cases) {
      ctx.asks.length = 0;
      await expect(createWriteTool().execute({ filePath, content: "x" }, ctx)).rejects.toBeInstanceOf(
        PermissionDeniedError,
      );
      expect(ctx.asks).toEqual([expect.objectContaining({ permission: "external_directory", patterns: [real] })]);
    }
    expect(readdirSync(outside)).toEqual([]);
    // Granted, the write goes where the link points, as asked.
    const granted = makeContext({ directory: ctx.directory });
    await createWriteTool().execute({ filePath: "dangling", content: "through" }, granted);
    expect(granted.asks.map((ask) => ask.permission)).toEqual(["external_directory", "edit"]);
    expect(readFileSync(join(outside, "new.txt"), "utf8")).toBe("through");
  });

  it("links that stay inside need no external permission", async () => {
    const ctx = makeContext();
    mkdirSync(join(ctx.directory, "real"));
    symlinkSync("real/new.txt", join(ctx.directory, "inside-dangling"));
    symlinkSync(join(ctx.directory, "real"), join(ctx.directory, "dirlink"));
    await createWriteTool().execute({ filePath: "inside-dangling", content: "a" }, ctx);
    await createWriteTool().execute({ filePath: "dirlink/b.txt", content: "b" }, ctx);
    expect(ctx.asks.map((ask) => ask.permission)).toEqual(["edit", "edit"]);
    expect(readFileSync(join(ctx.directory, "real", "new.txt"), "utf8")).toBe("a");
  });

  it("paths inside the directory need no external permission", async () => {
    const ctx = makeContext();
    await createWriteTool().execute({ filePath: "inside/ok.txt", content: "ok" }, ctx);
    expect(ctx.asks.some((ask) => ask.permission === "external_directory")).toBe(false);
  });
});

describe("bash", () => {
  it("runs in the session directory and reports the exit code", async () => {
    const ctx = makeContext();
    const result = await createBashTool({ env: () => process.env }).execute(
      { command: "pwd; echo oops >&2; exit 3" },
      ctx,
    );
    expect(result.output).toContain(ctx.directory);
    expect(result.output).toContain("oops");
    expect(result.output).toContain("Exit code: 3");
    expect(ctx.asks[0]).toMatchObject({
      permission: "bash",
      patterns: ["pwd", "echo oops", "exit 3"],
      always: ["pwd *", "echo *", "exit *"],
    });
  });

  it("asks edit for each file a redirection writes, external_directory for one outside, before anything runs", async () => {
    const outside = realpathSync(mkdtempSync(join(tmpdir(), "moor-outside-")));
    const ctx = makeContext({ deny: (ask) => ask.permission === "external_directory" });
    symlinkSync(join(outside, "new.txt"), join(ctx.directory, "dangling"));
    await createBashTool({ env: () => process.env }).execute(
      { command: "echo a > in.txt 2>/dev/null; cat in.txt" },
      ctx,
    );
    expect(ctx.asks.map((ask) => [ask.permission, ask.patterns])).toEqual([
      ["edit", [join(ctx.directory, "in.txt")]],
      ["bash", ["echo a", "cat in.txt"]],
    ]);
    for (const command of [
      `echo x > ${join(outside, "abs.txt")}`,
      "echo x >> ../up.txt",
      "echo x > dangling",
      "echo x | tee dangling",
      "echo x > $HOME/f",
      "cd sub; echo x > f",
      "cd .. && echo x > f",
    ]) {
      ctx.asks.length = 0;
      await expect(
        createBashTool({ env: () => process.env }).execute({ command }, ctx),
        command,
      ).rejects.toBeInstanceOf(PermissionDeniedError);
      expect(ctx.asks.map((ask) => ask.permission)).toEqual(["external_directory"]);
    }
    expect(readdirSync(outside)).toEqual([]);
  });

  it("a line the parser cannot read is asked as a whole, marked opaque, with nothing to remember", async () => {
    const ctx = makeContext();
    await createBashTool({ env: () => process.env }).execute({ command: 'echo ok; echo "a' }, ctx);
    expect(ctx.asks).toEqual([
      expect.objectContaining({ permission: "bash", patterns: ['(opaque) echo ok; echo "a'], always: [] }),
    ]);
    // One that may write somewhere is an opaque edit as well, so the plan agent refuses it.
    ctx.asks.length = 0;
    await createBashTool({ env: () => process.env }).execute({ command: "echo ok; echo a <>f" }, ctx);
    expect(ctx.asks.map((ask) => [ask.permission, ask.patterns])).toEqual([
      ["edit", ["(opaque) echo ok; echo a <>f"]],
      ["bash", ["(opaque) echo ok; echo a <>f"]],
    ]);
  });

  it("a timeout kills the whole process group", async () => {
    const ctx = makeContext();
    const pidFile = join(ctx.directory, "child.pid");
    const result = await createBashTool({ env: () => process.env }).execute(
      { command: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 300 },
      ctx,
    );
    expect(result.output).toContain("timed out");
    const grandchild = Number(readFileSync(pidFile, "utf8"));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isAlive(grandchild)).toBe(false);
  });

  it("abort kills the command and its children", async () => {
    const ctx = makeContext();
    const pidFile = join(ctx.directory, "child.pid");
    const running = createBashTool({ env: () => process.env }).execute(
      { command: `sleep 30 & echo $! > ${pidFile}; wait` },
      ctx,
    );
    while (!existsSync(pidFile) || readFileSync(pidFile, "utf8") === "") await new Promise((r) => setTimeout(r, 10));
    ctx.controller.abort();
    await expect(running).rejects.toThrow(/aborted/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isAlive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
  });

  it("caps huge output, keeping head and tail", async () => {
    const ctx = makeContext();
    const result = await createBashTool({ env: () => process.env }).execute({ command: "seq 1 100000" }, ctx);
    expect(result.metadata.truncated).toBe(true);
    expect(result.output.length).toBeLessThan(31_000);
    expect(result.output.startsWith("1\n2\n")).toBe(true);
    expect(result.output).toContain("100000");
  });
});

describe("glob, grep, ls, todos", () => {
  function project() {
    const ctx = makeContext();
    mkdirSync(join(ctx.directory, "src/deep"), { recursive: true });
    mkdirSync(join(ctx.directory, "node_modules/pkg"), { recursive: true });
    writeFileSync(join(ctx.directory, "src/a.ts"), "export const alpha = 1;\n// TODO: beta\n");
    writeFileSync(join(ctx.directory, "src/deep/b.ts"), "const TODO_later = 2;\n");
    writeFileSync(join(ctx.directory, "src/c.md"), "TODO in docs\n");
    writeFileSync(join(ctx.directory, "node_modules/pkg/x.ts"), "TODO hidden\n");
    writeFileSync(join(ctx.directory, "bin.dat"), Buffer.from([0, 84, 79, 68, 79]));
    return ctx;
  }

  it("glob matches ** patterns and skips node_modules", async () => {
    const ctx = project();
    const result = await createGlobTool().execute({ pattern: "**/*.ts" }, ctx);
    const files = result.output
      .split("\n")
      .map((line) => line.replace(`${ctx.directory}/`, ""))
      .sort();
    expect(files).toEqual(["src/a.ts", "src/deep/b.ts"]);
    expect(globMatcher("*.{ts,md}")("src/c.md")).toBe(true);
    expect(globMatcher("src/*.ts")("src/deep/b.ts")).toBe(false);
  });

  it("grep's JS fallback finds matches in the shared format; with rg on PATH both agree", async () => {
    const ctx = project();
    const js = await grepWithJs(ctx.directory, "TODO", "*.ts");
    expect(formatMatches(js)).toBe(
      [
        "Found 2 matches",
        "",
        "src/a.ts:",
        "  Line 2: // TODO: beta",
        "",
        "src/deep/b.ts:",
        "  Line 1: const TODO_later = 2;",
      ].join("\n"),
    );
    const rg = findRipgrep();
    if (rg) {
      expect(formatMatches(await grepWithRipgrep(rg, ctx.directory, "TODO", "*.ts"))).toBe(formatMatches(js));
      expect(formatMatches(await grepWithRipgrep(rg, ctx.directory, "TODO"))).toBe(
        formatMatches(await grepWithJs(ctx.directory, "TODO")),
      );
    } else {
      expect(execFileSync("sh", ["-c", "command -v rg || true"], { encoding: "utf8" }).trim()).toBe("");
    }
  });

  it("ls lists a tree without ignored folders", async () => {
    const ctx = project();
    const result = await createLsTool().execute({}, ctx);
    expect(result.output).toContain("  src/\n    a.ts");
    expect(result.output).not.toContain("node_modules");
  });

  it("todowrite and todoread share the session's list", async () => {
    const ctx = project();
    const lists = new Map<string, Todo[]>();
    const written: string[] = [];
    const todos: TodoList = {
      get: async (sessionID) => lists.get(sessionID) ?? [],
      set: async (scope, next) => {
        written.push(`${scope.sessionID} ${scope.directory}`);
        lists.set(scope.sessionID, next);
      },
    };
    await createTodoWriteTool(todos).execute(
      {
        todos: [
          { content: "write tests", status: "in_progress", priority: "high" },
          { content: "ship", status: "pending", priority: "low" },
        ],
      },
      ctx,
    );
    const read = await createTodoReadTool(todos).execute({}, ctx);
    expect(written).toEqual([`${ctx.sessionID} ${ctx.directory}`]);
    expect(read.title).toBe("2 todos");
    expect(JSON.parse(read.output)[0].content).toBe("write tests");
  });
});
