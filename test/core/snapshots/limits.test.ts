// What a snapshot leaves out, on a real shadow repository: files over the size limit (never recorded, so never
// restored or deleted by a revert), and a directory over the file-count limit (not snapshotted; said once).
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it } from "vitest";
import { SnapshotService } from "../../../src/core/snapshots/service.js";
import { ShadowRepo } from "../../../src/core/snapshots/shadow-repo.js";

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});
function tempRoot() {
  const root = mkdtempSync(join(tmpdir(), "moor-snap-limits-"));
  roots.push(root);
  return root;
}

it("skips files over the size limit, and a file that grows over it leaves the snapshot", async () => {
  const root = tempRoot();
  writeFileSync(join(root, "small.txt"), "small\n");
  writeFileSync(join(root, "big.bin"), Buffer.alloc(64));
  const repo = new ShadowRepo({ gitDir: join(root, ".shadow-git"), workTree: root, fileLimit: 100, maxFileBytes: 32 });
  writeFileSync(join(root, ".gitignore"), ".shadow-git/\n");
  const first = await repo.track();
  expect([...(await repo.blobs(first, ["small.txt", "big.bin"])).keys()]).toEqual(["small.txt"]);
  writeFileSync(join(root, "small.txt"), "x".repeat(40));
  const second = await repo.track();
  expect(await repo.changedFiles(first, second)).toEqual(["small.txt"]);
  expect((await repo.blobs(second, ["small.txt"])).size).toBe(0);
});

it("does not snapshot a directory over the file-count limit, and says so once", async () => {
  const root = tempRoot();
  const project = join(root, "project");
  mkdirSync(project);
  for (let index = 0; index < 12; index++) writeFileSync(join(project, `f${index}.txt`), `${index}\n`);
  const notices: string[] = [];
  const service = new SnapshotService({ dir: join(root, "data"), fileLimit: 10 }, (_directory, reason) =>
    notices.push(reason),
  );
  expect(await service.track(project)).toBeUndefined();
  expect(await service.track(project)).toBeUndefined();
  expect(notices).toEqual(["it has more than 10 files"]);
  expect(service.repo(project)).toBeUndefined();
});

it("does not snapshot the filesystem root", async () => {
  const notices: string[] = [];
  const service = new SnapshotService({ dir: join(tempRoot(), "data") }, (_directory, reason) => notices.push(reason));
  expect(await service.track("/")).toBeUndefined();
  expect(notices).toEqual(["it is the filesystem root"]);
});

it("prunes a repository on a schedule (at most hourly), not at every snapshot", async () => {
  const root = tempRoot();
  const project = join(root, "project");
  mkdirSync(project);
  writeFileSync(join(project, "a.txt"), "a\n");
  let now = 0;
  const service = new SnapshotService({ dir: join(root, "data"), now: () => now });
  const packs = () => {
    const repo = service.repo(project);
    if (!repo) throw new Error("not snapshotted");
    return readdirSync(join(repo.gitDir, "objects", "pack")).filter((name) => name.endsWith(".pack"));
  };
  await service.track(project);
  now += 30 * 60 * 1000;
  writeFileSync(join(project, "a.txt"), "b\n");
  await service.track(project);
  await service.settled();
  expect(packs()).toEqual([]);
  now += 31 * 60 * 1000;
  writeFileSync(join(project, "a.txt"), "c\n");
  await service.track(project);
  await service.settled();
  // gc packed what is kept (recent objects survive the 7-day grace).
  expect(packs().length).toBeGreaterThan(0);
});
