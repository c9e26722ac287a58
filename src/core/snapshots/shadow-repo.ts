// A project's shadow git repository (OpenCode's snapshot design): its own git directory in moor's data folder,
// pointed at the project with --git-dir/--work-tree, so the user's own .git (if any) is never read or written.
// A snapshot is a tree object written from the shadow index; no commits, no refs. Trees nothing refers to are
// pruned by `prune` after a grace period, so what a session can still undo is bounded in time and disk.
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile, chmod, lstat, mkdir, rename, rm, stat, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { RESTORE_TEMP_PREFIX } from "../files/ignore-rules.js";

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

/** The attributes by which a checkout writes a file other than as stored (gitattributes(5)). */
const CHECKOUT_ATTRIBUTES = ["text", "eol", "crlf", "filter", "ident", "working-tree-encoding"];

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
    return this.serial(async () => {
      const entries = await this.entriesOf(tree, files);
      return new Map([...entries].map(([file, entry]) => [file, entry.id]));
    });
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

  /**
   * Puts `files` back as they are in `tree`: written from it, or deleted when the tree lacks them. Each file is
   * replaced in one step (its new content written beside it, then renamed over it), so an editor or build watching
   * the project never finds it missing or half written, as `git checkout` (which unlinks the file first) left it.
   * The content is the tree's as a checkout would write it (`cat-file --filters`: the project's eol and smudge
   * attributes).
   */
  restore(tree: string, files: string[]): Promise<void> {
    return this.serial(async () => {
      if (files.length === 0) return;
      const entries = await this.entriesOf(tree, files);
      const blobs = [...entries].flatMap(([file, entry]) => (entry.type === "blob" ? [{ file, ...entry }] : []));
      if (blobs.length > 0) {
        const contents = await this.checkedOutContents(blobs);
        for (const { file, mode } of blobs) {
          const content = contents.get(file);
          if (content) await this.replace(file, mode, content);
        }
      }
      for (const file of files) {
        if (!entries.has(file)) await rm(join(this.options.workTree, file), { force: true });
      }
    });
  }

  /** Replaces the work tree's `file` at once with `content` (a file of git `mode`: 100644, 100755 or a symlink). */
  private async replace(file: string, mode: string, content: Buffer): Promise<void> {
    const target = join(this.options.workTree, file);
    const temp = join(dirname(target), `${RESTORE_TEMP_PREFIX}${randomBytes(6).toString("hex")}`);
    await mkdir(dirname(target), { recursive: true });
    try {
      if (mode === "120000") {
        await symlink(content.toString(), temp);
      } else {
        const executable = mode === "100755";
        // What the file's permissions were, with the execute bits the snapshot had; a new file gets git's (the umask
        // applies to the mode of a file created).
        const before = await lstat(target).catch(() => undefined);
        await writeFile(temp, content, { flag: "wx", mode: executable ? 0o777 : 0o666 });
        if (before?.isFile()) {
          const kept = before.mode & 0o7777;
          await chmod(temp, executable ? kept | ((kept & 0o444) >> 2) : kept & ~0o111);
        }
      }
      await rename(temp, target);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  /**
   * Each blob's content as a checkout of it at `file` would write it. One `git cat-file --batch` reads them all as
   * stored; a file whose attributes convert it on checkout (eol, text, a filter…) is read alone through those
   * filters (`--filters --path`: in a batch, git's size header is the stored size, not the converted one).
   */
  private async checkedOutContents(blobs: { file: string; id: string }[]): Promise<Map<string, Buffer>> {
    const converted = await this.convertedOnCheckout(blobs.map(({ file }) => file));
    const contents = new Map<string, Buffer>();
    const stored = blobs.filter(({ file }) => !converted.has(file));
    if (stored.length > 0) {
      const out = await this.gitBuffer(["cat-file", "--batch"], stored.map(({ id }) => `${id}\n`).join(""));
      // Each answer: `<oid> <type> <size>\n<content>\n`, in the order asked.
      let at = 0;
      for (const { file } of stored) {
        const lineEnd = out.indexOf(10, at);
        if (lineEnd === -1) break;
        const header = out.toString("utf8", at, lineEnd).split(" ");
        at = lineEnd + 1;
        if (header.length !== 3) continue;
        const size = Number(header[2]);
        contents.set(file, out.subarray(at, at + size));
        at += size + 1;
      }
    }
    for (const { file, id } of blobs) {
      if (converted.has(file))
        contents.set(file, await this.gitBuffer(["cat-file", "--filters", `--path=${file}`, id], ""));
    }
    return contents;
  }

  /** Which of `files` have attributes that change their content on checkout. */
  private async convertedOnCheckout(files: string[]): Promise<Set<string>> {
    const out = await this.git(
      ["check-attr", "-z", "--stdin", ...CHECKOUT_ATTRIBUTES],
      files.map((file) => `${file}\0`).join(""),
    );
    // `<path> NUL <attribute> NUL <value> NUL` for each path and attribute.
    const fields = out.split("\0");
    const converted = new Set<string>();
    for (let index = 0; index + 2 < fields.length; index += 3) {
      if (fields[index + 2] !== "unspecified") converted.add(fields[index]);
    }
    return converted;
  }

  /** Drops objects no snapshot newer than `grace` (git's approxidate, "7.days.ago") refers to. */
  prune(grace: string): Promise<void> {
    return this.serial(async () => {
      await this.init();
      await this.git(["gc", "--quiet", `--prune=${grace}`]);
    });
  }

  /** Each of `files` the tree has: its mode, type and object id (`ls-tree`). */
  private entriesOf(tree: string, files: string[]): Promise<Map<string, { mode: string; type: string; id: string }>> {
    return this.git(["ls-tree", "-r", "-z", tree, "--", ...files]).then((out) => {
      const result = new Map<string, { mode: string; type: string; id: string }>();
      for (const entry of out.split("\0").filter(Boolean)) {
        const tab = entry.indexOf("\t");
        const [mode, type, id] = entry.slice(0, tab).split(" ");
        result.set(entry.slice(tab + 1), { mode, type, id });
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

  private async git(args: string[], input?: string): Promise<string> {
    return (await this.gitBuffer(args, input ?? "")).toString("utf8");
  }

  /** A git command's output as bytes (file contents). */
  private gitBuffer(args: string[], input: string): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const child = execFile(
        "git",
        [...this.baseArgs(), ...args],
        { cwd: this.options.workTree, maxBuffer: 256 * 1024 * 1024, encoding: "buffer" },
        (error, stdout, stderr) => {
          if (error) reject(new Error(`git ${args[0]} failed: ${stderr.toString().trim() || error.message}`));
          else resolve(stdout);
        },
      );
      // git may exit before reading its input (an error): that is reported by its exit, not as EPIPE.
      child.stdin?.on("error", () => {});
      child.stdin?.end(input);
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
