// The file watcher hub on real directories: `file.watcher.updated` for what changes, nothing for .git,
// node_modules or .gitignore'd paths, one watcher per directory shared by its streams and closed with the last,
// and its bounds (directories, paths, queued events).
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EventBus } from "../../../src/core/bus.js";
import { RESTORE_TEMP_PREFIX } from "../../../src/core/files/ignore-rules.js";
import { createFileWatchHub, type FileWatchHub } from "../../../src/core/files/watch-hub.js";
import type { BusEnvelope } from "../../../src/protocol/index.js";

let root: string;
let bus: EventBus;
let events: BusEnvelope[];
let hub: FileWatchHub | undefined;
let warnings: string[];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "moor-watch-hub-"));
  bus = new EventBus({ epoch: "t" });
  events = [];
  warnings = [];
  bus.subscribe((envelope) => events.push(envelope));
});
afterEach(async () => {
  await hub?.close();
  hub = undefined;
  rmSync(root, { recursive: true, force: true });
});

const log = { warn: (_obj: unknown, msg?: string) => warnings.push(msg ?? "") };
const watcherEvents = () =>
  events
    .filter((envelope) => envelope.event.type === "file.watcher.updated")
    .map((envelope) => ({
      directory: envelope.directory,
      ...(envelope.event.properties as { file: string; event: string }),
    }));

/** Waits (bounded) until an event for `file` has been published. */
async function eventFor(file: string, event?: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!watcherEvents().some((e) => e.file === file && (!event || e.event === event))) {
    if (Date.now() > deadline) throw new Error(`no event for ${file}: ${JSON.stringify(watcherEvents())}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function until(probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("file watch hub", () => {
  it("reports add, change and unlink in the watched directory, scoped to it", async () => {
    hub = createFileWatchHub({ bus, flushMs: 10 });
    const release = hub.watch(root);
    await hub.ready(root);
    const file = join(root, "a.txt");
    writeFileSync(file, "one");
    await eventFor(file, "add");
    writeFileSync(file, "two");
    await eventFor(file, "change");
    unlinkSync(file);
    await eventFor(file, "unlink");
    expect(watcherEvents().every((e) => e.directory === root)).toBe(true);
    release();
  });

  it("follows new directories: their files are reported, and a removed one is forgotten", async () => {
    hub = createFileWatchHub({ bus, flushMs: 10 });
    hub.watch(root);
    await hub.ready(root);
    const dir = join(root, "made");
    mkdirSync(dir);
    await eventFor(dir, "add");
    const inner = join(dir, "inner.txt");
    writeFileSync(inner, "one");
    await eventFor(inner, "add");
    writeFileSync(inner, "two");
    await eventFor(inner, "change");
    expect(hub.stats().entries).toBe(2);
    rmSync(dir, { recursive: true });
    await eventFor(dir, "unlink");
    await until(() => hub?.stats().entries === 0);
  });

  it("does not report .git, node_modules or .gitignore'd paths", async () => {
    writeFileSync(join(root, ".gitignore"), "*.log\nbuild/\n");
    for (const dir of [".git", "node_modules", "build", "src"]) mkdirSync(join(root, dir));
    hub = createFileWatchHub({ bus, flushMs: 10 });
    hub.watch(root);
    await hub.ready(root);
    writeFileSync(join(root, ".git", "index"), "x");
    writeFileSync(join(root, "node_modules", "dep.js"), "x");
    writeFileSync(join(root, "build", "out.js"), "x");
    writeFileSync(join(root, "debug.log"), "x");
    // Two reported writes after the ignored ones: anything the ignored ones caused would have come by then.
    writeFileSync(join(root, "src", "first.ts"), "x");
    await eventFor(join(root, "src", "first.ts"));
    writeFileSync(join(root, "second.ts"), "x");
    await eventFor(join(root, "second.ts"));
    const files = watcherEvents().map((e) => e.file);
    expect(files.filter((f) => /\.git\/|node_modules|build|debug\.log/.test(f))).toEqual([]);
    expect(hub.stats().entries).toBeGreaterThan(0);
  });

  it("does not report the temporary file a snapshot restore writes before renaming it over the file", async () => {
    hub = createFileWatchHub({ bus, flushMs: 10 });
    hub.watch(root);
    await hub.ready(root);
    // What shadow-repo.ts's restore does: the content under a temporary name beside the file, then renamed over it.
    const temp = join(root, `${RESTORE_TEMP_PREFIX}0a1b2c`);
    writeFileSync(temp, "restored");
    // A large file's write takes longer than the hub's flush: the temporary file would be reported on its own.
    await new Promise((resolve) => setTimeout(resolve, 100));
    renameSync(temp, join(root, "restored.txt"));
    await eventFor(join(root, "restored.txt"));
    // One reported write after it: anything the temporary file caused would have come by then.
    writeFileSync(join(root, "after.txt"), "x");
    await eventFor(join(root, "after.txt"));
    expect(watcherEvents().filter((e) => e.file.includes(RESTORE_TEMP_PREFIX))).toEqual([]);
  });

  it("sends each event in every spelling of the directory its streams use (the bus filters on the exact string)", async () => {
    hub = createFileWatchHub({ bus, flushMs: 10 });
    hub.watch(root);
    const slashed = hub.watch(`${root}/`);
    await hub.ready(root);
    const file = join(root, "both.txt");
    writeFileSync(file, "x");
    await eventFor(file);
    const scopes = () =>
      watcherEvents()
        .filter((e) => e.file === file)
        .map((e) => e.directory);
    await until(() => scopes().length === 2);
    expect(scopes().sort()).toEqual([root, `${root}/`]);
    slashed();
    events.length = 0;
    const next = join(root, "one.txt");
    writeFileSync(next, "x");
    await eventFor(next);
    // In root's spelling only. Only this file's events, each spelling once: a late event of both.txt, or this file's
    // change after its add, may come apart under load.
    const spellings = new Set(watcherEvents().flatMap((e) => (e.file === next ? [e.directory] : [])));
    expect([...spellings]).toEqual([root]);
  });

  it("shares one watcher per directory and closes it when the last user leaves", async () => {
    hub = createFileWatchHub({ bus });
    const first = hub.watch(root);
    const second = hub.watch(`${root}/`);
    await hub.ready(root);
    expect(hub.stats().directories).toBe(1);
    first();
    first();
    expect(hub.stats().directories).toBe(1);
    second();
    expect(hub.stats()).toEqual({ directories: 0, entries: 0 });
  });

  it("watches at most maxDirectories directories and maxEntries paths", async () => {
    for (let i = 0; i < 5; i++) writeFileSync(join(root, `f${i}.txt`), "x");
    const other = mkdtempSync(join(tmpdir(), "moor-watch-hub-other-"));
    try {
      hub = createFileWatchHub({ bus, maxDirectories: 1, maxEntries: 2, log });
      hub.watch(root);
      hub.watch(other);
      await hub.ready(root);
      expect(hub.stats()).toEqual({ directories: 1, entries: 2 });
      expect(warnings.join("\n")).toMatch(/too many directories/);
      expect(warnings.join("\n")).toMatch(/too many paths/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("never watches the directories it is told to skip (the home folder, /)", async () => {
    hub = createFileWatchHub({ bus, neverWatch: [root, "/"] });
    const release = hub.watch(`${root}/`);
    hub.watch("/");
    expect(hub.stats()).toEqual({ directories: 0, entries: 0 });
    release();
  });

  it("coalesces a burst and cuts it at maxQueued paths", async () => {
    hub = createFileWatchHub({ bus, maxQueued: 3, flushMs: 300, log });
    hub.watch(root);
    await hub.ready(root);
    const file = join(root, "same.txt");
    // One file written many times in a burst: one event.
    for (let i = 0; i < 5; i++) writeFileSync(file, `v${i}`);
    await eventFor(file);
    expect(watcherEvents().filter((e) => e.file === file)).toHaveLength(1);
    events.length = 0;
    for (let i = 0; i < 20; i++) writeFileSync(join(root, `burst${i}.txt`), "x");
    const deadline = Date.now() + 5000;
    while (!warnings.some((w) => /events dropped/.test(w)) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(warnings.join("\n")).toMatch(/events dropped/);
    expect(watcherEvents().length).toBeLessThan(20);
  });
});
