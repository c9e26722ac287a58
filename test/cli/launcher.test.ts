// bin/moor.cjs run as a command, the way `moor` and `npx moor` start: its first lines are a shell script that
// starts Node on the same file with flags of its own (a young generation capped for the long-running server).
import { execFileSync, spawn } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
} from "node:fs";
import Module from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { MOOR_BIN, runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";

const BUNDLE = join(MOOR_BIN, "../../dist/bundle/moor.cjs");

const home = makeTempHome("http://127.0.0.1:9/v1");
afterAll(() => rmSync(home.root, { recursive: true, force: true }));

describe("the launcher run as a command", () => {
  it("runs the CLI with nothing on stderr (the shell lines are silent)", async () => {
    const result = await runMoor(["--version"], { env: home.env, asCommand: true });
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("starts `serve` as one Node process carrying the young-generation cap", async () => {
    const serve = spawnMoor(["serve", "--port", "0"], { env: home.env, cwd: home.project, asCommand: true });
    try {
      await waitForOutput(serve, (stdout) => /listening on/.test(stdout));
      // exec: the pid is Node's own, not a shell's that a signal would have to pass through.
      const argv = readFileSync(`/proc/${serve.pid}/cmdline`, "utf8").split("\0");
      expect(argv.slice(1, 4)).toEqual(["--max-semi-space-size=1", MOOR_BIN, "serve"]);
      expect(serve.output().stderr).toBe("");
    } finally {
      serve.kill("SIGTERM");
      await new Promise((resolve) => serve.once("close", resolve));
    }
  });

  it("starts `serve` with one malloc arena, and keeps a number the user chose", async () => {
    // /proc/PID/environ is the environment the process started with: what glibc read, before the launcher removes
    // its own setting from what moor's commands inherit.
    const environOf = async (env: Record<string, string>) => {
      const serve = spawnMoor(["serve", "--port", "0"], { env, cwd: home.project, asCommand: true });
      try {
        await waitForOutput(serve, (stdout) => /listening on/.test(stdout));
        return readFileSync(`/proc/${serve.pid}/environ`, "utf8").split("\0");
      } finally {
        serve.kill("SIGTERM");
        await new Promise((resolve) => serve.once("close", resolve));
      }
    };
    expect(await environOf(home.env)).toContain("MALLOC_ARENA_MAX=1");
    const chosen = await environOf({ ...home.env, MALLOC_ARENA_MAX: "4" });
    expect(chosen).toContain("MALLOC_ARENA_MAX=4");
    expect(chosen.filter((entry) => entry.startsWith("MALLOC_ARENA_MAX="))).toHaveLength(1);
  });

  it("compiles the bundle as read: the file is already in Node's CommonJS wrapper (wrapping it cost ~8 ms a start)", () => {
    const source = readFileSync(BUNDLE, "latin1");
    const [head, tail] = Module.wrap("\0").split("\0");
    expect(source.startsWith(head)).toBe(true);
    expect(source.endsWith(tail)).toBe(true);
    expect(readFileSync(MOOR_BIN, "utf8")).not.toContain("Module.wrap(");
  });

  it("bundles only the parser of jsonc-parser: its formatter's tables were built at every start (~5 ms)", () => {
    // scripts/bundle.mjs marks the package free of side effects; unmarked, esbuild kept every module it has.
    const source = readFileSync(BUNDLE, "latin1");
    expect(source).toContain("node_modules/jsonc-parser/lib/esm/impl/parser.js");
    expect(source).not.toContain("node_modules/jsonc-parser/lib/esm/impl/string-intern.js");
  });

  it("runs a bundle whose source is ASCII: V8 keeps it one-byte (half the memory), and Latin-1 reads it right", () => {
    // scripts/bundle.mjs escapes what is past it; a curly quote in one regex used to double the source's ~2 MB.
    // The launcher reads it as Latin-1 (decoding 2.3 MB of UTF-8 was ~35 ms of every start): a « in a regex read
    // that way would have become two other characters.
    const source = readFileSync(BUNDLE, "utf8");
    expect(source.length).toBeGreaterThan(100_000);
    expect(source.match(/[^\x00-\x7f]/g) ?? []).toEqual([]);
    expect(readFileSync(MOOR_BIN, "utf8")).toContain('readFileSync(file, "latin1")');
  });

  it("keeps a code cache per set of Node flags: `moor` and `node bin/moor.cjs` taking turns rewrite neither", () => {
    const copy = copyOfLauncher();
    try {
      // As a command (the shell line adds --max-semi-space-size=1), then as plain `node bin/moor.cjs`.
      const runBoth = () => {
        expect(execFileSync(copy.bin, ["--version"], { env: copy.env, encoding: "utf8" })).toMatch(/^\d+\.\d+/);
        expect(execFileSync(process.execPath, [copy.bin, "--version"], { env: copy.env, encoding: "utf8" })).toMatch(
          /^\d+\.\d+/,
        );
      };
      runBoth();
      const made = copy.caches();
      expect(Object.keys(made)).toHaveLength(2);
      // A cache V8 rejected would be written again (under a temporary name, then renamed: a new inode).
      runBoth();
      runBoth();
      expect(copy.caches()).toEqual(made);
    } finally {
      copy.remove();
    }
  });

  it("gives `moor serve` a code cache of its own, not the one the first command after an install made", async () => {
    const copy = copyOfLauncher();
    try {
      execFileSync(copy.bin, ["--version"], { env: copy.env, encoding: "utf8" });
      const versionCaches = copy.caches();
      expect(Object.keys(versionCaches)).toHaveLength(1);
      const serve = spawn(copy.bin, ["serve", "--port", "0"], { env: copy.env, cwd: home.project, stdio: "ignore" });
      try {
        // serve writes its cache once it answers (cli/heap.ts); a cache it shared would hold only --version's code.
        const deadline = Date.now() + 10_000;
        while (!Object.keys(copy.caches()).some((name) => name.includes(".serve.")) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const caches = copy.caches();
        expect(Object.keys(caches).filter((name) => name.includes(".serve."))).toHaveLength(1);
        expect(caches).toMatchObject(versionCaches);
      } finally {
        serve.kill("SIGKILL");
      }
    } finally {
      copy.remove();
    }
  });
});

/** A copy of the launcher and bundle (node_modules linked), so the code caches a test reads are only its own. */
function copyOfLauncher() {
  const root = mkdtempSync(join(tmpdir(), "moor-launcher-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "dist/bundle"), { recursive: true });
  copyFileSync(MOOR_BIN, join(root, "bin/moor.cjs"));
  copyFileSync(BUNDLE, join(root, "dist/bundle/moor.cjs"));
  copyFileSync("package.json", join(root, "package.json"));
  symlinkSync(join(process.cwd(), "node_modules"), join(root, "node_modules"));
  return {
    bin: join(root, "bin/moor.cjs"),
    env: { ...home.env, PATH: process.env.PATH ?? "" },
    /** Cache file name → inode. */
    caches: () =>
      Object.fromEntries(
        readdirSync(join(root, "dist/bundle"))
          .filter((name) => name.endsWith(".cache"))
          .map((name) => [name, statSync(join(root, "dist/bundle", name)).ino]),
      ),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}
