// The file watcher behind config reloads, on real temp dirs: existing files, files whose directory appears later,
// closing, and that a watcher never keeps the process alive.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type FileWatch, watchFiles } from "../../src/config/watch.js";

let watch: FileWatch | undefined;
afterEach(() => watch?.close());

async function until(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("watchFiles", () => {
  it("calls back once for a burst of writes to a watched file, not for other files beside it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-watch-"));
    const file = join(dir, "moor.json");
    writeFileSync(file, "{}");
    let calls = 0;
    watch = watchFiles([file], () => calls++, { debounceMs: 50 });

    writeFileSync(join(dir, "unrelated.txt"), "x");
    await pause(200);
    expect(calls).toBe(0);

    writeFileSync(file, '{"a": 1}');
    writeFileSync(file, '{"a": 2}');
    await until(() => calls > 0);
    await pause(200);
    expect(calls).toBe(1);

    // An editor's save: a temporary file renamed over the original.
    writeFileSync(join(dir, "moor.json.tmp"), '{"a": 3}');
    renameSync(join(dir, "moor.json.tmp"), file);
    await until(() => calls === 2);
  });

  it("sees a file whose directory does not exist yet being created, and follows it once updated", async () => {
    const project = mkdtempSync(join(tmpdir(), "moor-watch-"));
    const file = join(project, ".moor", "config.json");
    let calls = 0;
    watch = watchFiles([file], () => calls++, { debounceMs: 20 });

    mkdirSync(join(project, ".moor"));
    await until(() => calls === 1);
    // Its caller reloads and watches the same files again, which now means `.moor` itself; that takes one more look.
    watch.update([file]);
    await until(() => calls === 2);

    writeFileSync(file, "{}");
    await until(() => calls === 3);
  });

  it("calls back no more once closed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-watch-"));
    const file = join(dir, "moor.json");
    let calls = 0;
    watch = watchFiles([file], () => calls++, { debounceMs: 20 });
    writeFileSync(file, "{}");
    await until(() => calls === 1);
    watch.close();
    writeFileSync(file, '{"a": 1}');
    await pause(200);
    expect(calls).toBe(1);
  });

  it("does not keep the process alive", () => {
    const dir = mkdtempSync(join(tmpdir(), "moor-watch-"));
    const script = `
      const { watchFiles } = await import(${JSON.stringify(new URL("../../dist/config/watch.js", import.meta.url).href)});
      watchFiles([${JSON.stringify(join(dir, "moor.json"))}], () => {});
      console.log("watching");
    `;
    const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { timeout: 4000 });
    expect(child.error).toBeUndefined();
    expect(child.status).toBe(0);
    expect(child.stdout.toString()).toContain("watching");
  });
});
