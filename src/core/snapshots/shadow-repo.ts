// A project's shadow git repository (OpenCode's snapshot design): its own git directory in moor's data folder,
// pointed at the project with --git-dir/--work-tree, so the user's own .git (if any) is never read or written.
// A snapshot is a tree object written from the shadow index; no commits, no refs. Trees nothing refers to are
// pruned by `prune` after a grace period, so what a session can still undo is bounded in time and disk.
import { execFile, spawn } from "node:child_process";
import { appendFile, lstat, mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";

/** Files larger than this are left out of snapshots (and so never restored or deleted by a revert). */
export const MAX_SNAPSHOT_FILE_BYTES = 2 * 1024 * 1024;

/** The listing of changed files went over the file-count limit: the directory is too big to snapshot. */
export class TooManyFilesError extends Error {
  constructor(readonly limit: number) {
    super(`more than ${limit} files`);
    this.name = "TooManyFilesError";
  }
}

export interface ShadowRepoOptions {
  gitDir: string;
  workTree: string;
  /** At most this many new or changed files per snapshot (the first snapshot lists them all). */
  fileLimit: number;
  maxFileBytes?: number;
}

export interface FileDelta {
  file: string;
  status: "added" | "modified" | "deleted";
  additions: number;
  deletions: number;
  patch: string;
}

const EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

export class ShadowRepo {
  /** Git runs one command at a time on the shadow index. */
  private queue: Promise<unknown> = Promise.resolve();
  private ready?: Promise<void>;

  constructor(private readonly options: ShadowRepoOptions) {}

  get gitDir(): string {
    return this.options.gitDir;
  }

  /** Records the work tree as it is now; answers the tree's hash. */
  track(): Promise<string> {
    return this.serial(async () => {
      await this.init();
      const listed = await this.listNul(
        ["ls-files", "-z", "--others", "--modified", "--exclude-standard"],
        this.options.fileLimit,
      );
      const changed = [...new Set(listed)];
      const add: string[] = [];
      const drop: string[] = [];
      const max = this.options.maxFileBytes ?? MAX_SNAPSHOT_FILE_BYTES;
      await Promise.all(
        changed.map(async (file) => {
          const info = await lstat(join(this.options.workTree, file)).catch(() => undefined);
          if (info?.isFile() && info.size > max) drop.push(file);
          else add.push(file);
        }),
      );
      if (add.length > 0) {
        await this.git(["add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul"], nulList(add)).catch(
          // A file that vanished between the listing and the add: add what is there now.
          () => this.git(["add", "-A", "--ignore-errors", "--", ...add.filter((file) => file.length > 0)]),
        );
      }
      if (drop.length > 0) {
        await this.git(
          ["rm", "--cached", "-f", "-q", "--ignore-unmatch", "--pathspec-from-file=-", "--pathspec-file-nul"],
          nulList(drop),
        );
      }
      return (await this.git(["write-tree"])).trim();
    });
  }

  /** The files that differ between two trees. */
  changedFiles(from: string, to: string): Promise<string[]> {
    return this.serial(async () => {
      if (from === to) return [];
      const out = await this.git(["diff-tree", "-r", "-z", "--name-only", "--no-renames", from, to]);
      return out.split("\0").filter(Boolean);
    });
  }

  /** Per-file changes between two trees, limited to `files` (all when not given). */
  deltas(from: string, to: string, files?: string[]): Promise<FileDelta[]> {
    return this.serial(async () => {
      if (from === to || files?.length === 0) return [];
      const paths = files ? ["--", ...files] : [];
      const base = ["diff", "--no-ext-diff", "--no-renames", "--no-color", from || EMPTY_TREE, to];
      const [numstat, status, patch] = await Promise.all([
        this.git([...base, "--numstat", "-z", ...paths]),
        this.git([...base, "--name-status", "-z", ...paths]),
        this.git([...base, ...paths]),
      ]);
      const statuses = new Map<string, string>();
      const statusFields = status.split("\0");
      for (let index = 0; index + 1 < statusFields.length; index += 2) {
        statuses.set(statusFields[index + 1], statusFields[index]);
      }
      const chunks = patch.split(/^(?=diff --git )/m).filter((chunk) => chunk.startsWith("diff --git "));
      const deltas: FileDelta[] = [];
      const fields = numstat.split("\0").filter(Boolean);
      fields.forEach((field, index) => {
        const [added, deleted, file] = field.split("\t");
        const code = statuses.get(file);
        deltas.push({
          file,
          status: code === "A" ? "added" : code === "D" ? "deleted" : "modified",
          additions: added === "-" ? 0 : Number(added),
          deletions: deleted === "-" ? 0 : Number(deleted),
          patch: chunks[index] ?? "",
        });
      });
      return deltas;
    });
  }

  /** The unified diff between two trees for `files`. */
  patchText(from: string, to: string, files: string[]): Promise<string> {
    return this.serial(async () => {
      if (from === to || files.length === 0) return "";
      return this.git(["diff", "--no-ext-diff", "--no-renames", "--no-color", from, to, "--", ...files]);
    });
  }

  /** The blob id of each of `files` in a tree; a file the tree lacks is absent from the map. */
  blobs(tree: string, files: string[]): Promise<Map<string, string>> {
    return this.serial(() => this.blobsOf(tree, files));
  }

  /** The blob id each of `files` would have now (undefined: no such file; skipped: over the size limit). */
  current(files: string[]): Promise<Map<string, string | undefined>> {
    return this.serial(async () => {
      const result = new Map<string, string | undefined>();
      const present: string[] = [];
      for (const file of files) {
        const info = await lstat(join(this.options.workTree, file)).catch(() => undefined);
        if (!info || info.isDirectory()) result.set(file, undefined);
        else present.push(file);
      }
      if (present.length > 0) {
        // Relative to the work tree, so the project's attributes (eol, filters) apply as they do for `git add`.
        const out = await this.git(["hash-object", "--stdin-paths"], `${present.join("\n")}\n`);
        const ids = out.split("\n");
        for (const [index, file] of present.entries()) result.set(file, ids[index]);
      }
      return result;
    });
  }

  /** Puts `files` back as they are in `tree`: written from it, or deleted when the tree lacks them. */
  restore(tree: string, files: string[]): Promise<void> {
    return this.serial(async () => {
      if (files.length === 0) return;
      const inTree = await this.blobsOf(tree, files);
      const present = files.filter((file) => inTree.has(file));
      if (present.length > 0) {
        await this.git(["checkout", tree, "--pathspec-from-file=-", "--pathspec-file-nul"], nulList(present));
      }
      for (const file of files) {
        if (!inTree.has(file)) await rm(join(this.options.workTree, file), { force: true });
      }
    });
  }

  /** Drops objects no snapshot newer than `grace` (git's approxidate, "7.days.ago") refers to. */
  prune(grace: string): Promise<void> {
    return this.serial(async () => {
      await this.init();
      await this.git(["gc", "--quiet", `--prune=${grace}`]);
    });
  }

  private blobsOf(tree: string, files: string[]): Promise<Map<string, string>> {
    return this.git(["ls-tree", "-r", "-z", tree, "--", ...files]).then((out) => {
      const result = new Map<string, string>();
      for (const entry of out.split("\0").filter(Boolean)) {
        const tab = entry.indexOf("\t");
        const [, , blob] = entry.slice(0, tab).split(" ");
        result.set(entry.slice(tab + 1), blob);
      }
      return result;
    });
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      const exists = await stat(join(this.options.gitDir, "HEAD")).catch(() => undefined);
      if (exists) return;
      await mkdir(this.options.gitDir, { recursive: true });
      await this.git(["init", "-q"]);
      // Written at once rather than by one `git config` per key (each a process).
      await appendFile(
        join(this.options.gitDir, "config"),
        [
          "[core]",
          "\tautocrlf = false",
          "\tquotePath = false",
          "\tlongpaths = true",
          "\tsymlinks = true",
          "\tfsmonitor = false",
          "\tuntrackedCache = true",
          // moor prunes on its own schedule (prune), never in the middle of a step.
          "[gc]",
          "\tauto = 0",
          "",
        ].join("\n"),
      );
    })();
    this.ready.catch(() => {
      this.ready = undefined;
    });
    return this.ready;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => {}).then(work);
    this.queue = run;
    return run;
  }

  private baseArgs(): string[] {
    return ["--git-dir", this.options.gitDir, "--work-tree", this.options.workTree, "--literal-pathspecs"];
  }

  private git(args: string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        [...this.baseArgs(), ...args],
        { cwd: this.options.workTree, maxBuffer: 256 * 1024 * 1024, encoding: "utf8" },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`git ${args[0]} failed: ${stderr.trim() || error.message}`));
          else resolve(stdout);
        },
      );
      // git may exit before reading its input (an error): that is reported by its exit, not as EPIPE.
      child.stdin?.on("error", () => {});
      child.stdin?.end(input ?? "");
    });
  }

  /** A NUL-separated listing, stopped as soon as it holds more than `limit` entries. */
  private listNul(args: string[], limit: number): Promise<string[]> {
    return new Promise((resolve, reject) => {
      const child = spawn("git", [...this.baseArgs(), ...args], {
        cwd: this.options.workTree,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const entries: string[] = [];
      let rest = "";
      let stderr = "";
      let over = false;
      child.stdout.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        if (over) return;
        const fields = (rest + chunk).split("\0");
        rest = fields.pop() ?? "";
        entries.push(...fields);
        if (entries.length > limit) {
          over = true;
          child.kill();
        }
      });
      child.stderr.on("data", (chunk) => {
        stderr += chunk;
      });
      child.on("error", reject);
      child.on("close", (code) => {
        if (over) reject(new TooManyFilesError(limit));
        else if (code !== 0) reject(new Error(`git ${args[0]} failed: ${stderr.trim()}`));
        else resolve(entries.filter(Boolean));
      });
    });
  }
}

function nulList(files: string[]): string {
  return files.map((file) => `${file}\0`).join("");
}
