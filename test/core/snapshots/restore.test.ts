// A revert puts files back on a real shadow repository: each file replaced in one step (an editor or a build that
// watches the project never finds it missing or half written), with its execute bit, a symlink as a symlink, and the
// content a checkout would write (the project's eol attributes).
import { spawn } from "node:child_process";
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { ShadowRepo } from "../../../src/core/snapshots/shadow-repo.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

function project() {
  const root = mkdtempSync(join(tmpdir(), "moor-snap-restore-"));
  roots.push(root);
  const work = join(root, "work");
  mkdirSync(work);
  const repo = new ShadowRepo({ gitDir: join(root, "shadow-git"), workTree: work, fileLimit: 1000 });
  return { work, repo };
}

/**
 * Watches `file` from another process until told to stop: every size it had (it must be one of `sizes`), and
 * whether it was ever missing.
 */
function watchFile(file: string, sizes: number[]) {
  const source = `
    const { statSync } = require("node:fs");
    const allowed = new Set(${JSON.stringify(sizes)});
    let missing = 0, odd = new Set(), looks = 0, stop = false;
    process.stdin.on("data", () => { stop = true; });
    const look = () => {
      const until = Date.now() + 5;
      while (Date.now() < until) {
        looks++;
        try { const size = statSync(${JSON.stringify(file)}).size; if (!allowed.has(size)) odd.add(size); }
        catch { missing++; }
      }
      if (stop) { process.stdout.write(JSON.stringify({ missing, odd: [...odd], looks })); process.exit(0); }
      setImmediate(look);
    };
    process.stdout.write("ready\\n");
    look();`;
  const child = spawn(process.execPath, ["-e", source], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  const ready = new Promise<void>((resolve) =>
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk;
      if (out.startsWith("ready\n")) resolve();
    }),
  );
  const stop = async (): Promise<{ missing: number; odd: number[]; looks: number }> => {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.stdin.end("stop");
    await exited;
    return JSON.parse(out.slice("ready\n".length));
  };
  return { ready, stop };
}

it("replaces a file in one step: a reader never finds it missing or half written", async () => {
  const { work, repo } = project();
  const file = join(work, "big.txt");
  const sizes = [1_500_000, 1_400_000];
  writeFileSync(file, "a".repeat(sizes[0]));
  const first = await repo.track();
  writeFileSync(file, "b".repeat(sizes[1]));
  const second = await repo.track();
  const watcher = watchFile(file, sizes);
  await watcher.ready;
  for (let round = 0; round < 10; round++) {
    await repo.restore(round % 2 === 0 ? first : second, ["big.txt"]);
  }
  const seen = await watcher.stop();
  expect(seen.looks).toBeGreaterThan(0);
  expect(seen).toMatchObject({ missing: 0, odd: [] });
  // The last restore was the second snapshot's.
  expect(readFileSync(file, "utf8")).toBe("b".repeat(sizes[1]));
});

it("restores the execute bit, a symlink, a path with spaces in a deleted folder, and the project's eol attributes", async () => {
  const { work, repo } = project();
  writeFileSync(join(work, ".gitattributes"), "*.crlf eol=crlf\n");
  writeFileSync(join(work, "run.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
  writeFileSync(join(work, "plain.txt"), "plain\n");
  symlinkSync("plain.txt", join(work, "link"));
  mkdirSync(join(work, "deep dir"));
  writeFileSync(join(work, "deep dir", "a file.txt"), "spaced\n");
  writeFileSync(join(work, "lines.crlf"), "one\r\ntwo\r\n");
  const before = await repo.track();
  writeFileSync(join(work, "run.sh"), "#!/bin/sh\necho changed\n", { mode: 0o644 });
  rmSync(join(work, "run.sh"));
  writeFileSync(join(work, "run.sh"), "#!/bin/sh\necho changed\n", { mode: 0o644 });
  rmSync(join(work, "link"));
  writeFileSync(join(work, "link"), "not a link now\n");
  rmSync(join(work, "deep dir"), { recursive: true });
  writeFileSync(join(work, "lines.crlf"), "changed\r\n");
  await repo.track();
  await repo.restore(before, ["run.sh", "link", "deep dir/a file.txt", "lines.crlf"]);
  expect(readFileSync(join(work, "run.sh"), "utf8")).toBe("#!/bin/sh\necho hi\n");
  expect(lstatSync(join(work, "run.sh")).mode & 0o111).not.toBe(0);
  expect(lstatSync(join(work, "link")).isSymbolicLink()).toBe(true);
  expect(readlinkSync(join(work, "link"))).toBe("plain.txt");
  expect(readFileSync(join(work, "deep dir", "a file.txt"), "utf8")).toBe("spaced\n");
  // Stored with LF in the repository, written back with CRLF as the attribute says (what a checkout writes).
  expect(readFileSync(join(work, "lines.crlf"), "utf8")).toBe("one\r\ntwo\r\n");
  // Nothing left behind beside the files.
  expect(readdirSync(work).filter((name) => name.startsWith(".moor-restore-"))).toEqual([]);
});
