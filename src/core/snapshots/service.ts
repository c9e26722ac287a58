// Which directories are snapshotted, and their shadow repositories (shadow-repo.ts). A directory is refused when
// snapshotting it cannot be bounded: the home folder, `/`, or one with more files than the limit (OpenCode once
// snapshotted a whole home folder into hundreds of GB). A refusal is told once per directory (onRefused).
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { join, parse, resolve } from "node:path";
import { ShadowRepo, TooManyFilesError } from "./shadow-repo.js";

export const DEFAULT_FILE_LIMIT = 20_000;
/** How long an unreferenced snapshot object is kept before a prune may drop it (git approxidate). */
export const PRUNE_GRACE = "7.days.ago";
/** Prune a repository at most this often. */
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface SnapshotOptions {
  /** Where the shadow repositories live (moor's data folder + /snapshot). */
  dir: string;
  /** The user's home directory: never snapshotted. */
  home?: string;
  fileLimit?: number;
  maxFileBytes?: number;
  now?: () => number;
  /** Config `snapshot` of a directory: false turns snapshots (and revert) off there, silently. */
  enabled?: (directory: string) => boolean;
}

export class SnapshotService {
  private readonly repos = new Map<string, ShadowRepo>();
  private readonly refused = new Map<string, string>();
  private readonly lastPrune = new Map<string, number>();
  private readonly pruning = new Set<Promise<void>>();

  constructor(
    private readonly options: SnapshotOptions,
    /** Told once per directory why it is not snapshotted. */
    private readonly onRefused: (directory: string, reason: string, sessionID?: string) => void = () => {},
  ) {}

  get dir(): string {
    return this.options.dir;
  }

  /** The directory's repository, or undefined when it is not snapshotted (told once through onRefused). */
  repo(directory: string, sessionID?: string): ShadowRepo | undefined {
    if (this.options.enabled?.(directory) === false) return undefined;
    const root = canonical(directory);
    if (this.refused.has(root)) return undefined;
    const reason = this.refusal(root);
    if (reason) {
      this.refuse(root, directory, reason, sessionID);
      return undefined;
    }
    let repo = this.repos.get(root);
    if (!repo) {
      const key = createHash("sha256").update(root).digest("hex").slice(0, 16);
      repo = new ShadowRepo({
        gitDir: join(this.options.dir, key),
        workTree: root,
        fileLimit: this.options.fileLimit ?? DEFAULT_FILE_LIMIT,
        maxFileBytes: this.options.maxFileBytes,
      });
      this.repos.set(root, repo);
    }
    return repo;
  }

  /** Records the directory now; undefined when it is not snapshotted (or the snapshot failed: told once). */
  async track(directory: string, sessionID?: string): Promise<string | undefined> {
    const repo = this.repo(directory, sessionID);
    if (!repo) return undefined;
    try {
      const hash = await repo.track();
      this.schedulePrune(canonical(directory), repo);
      return hash;
    } catch (error) {
      const reason =
        error instanceof TooManyFilesError
          ? `it has more than ${error.limit} files`
          : `git failed (${error instanceof Error ? error.message : String(error)})`;
      this.refuse(canonical(directory), directory, reason, sessionID);
      return undefined;
    }
  }

  /** Waits for prunes in progress (shutdown). */
  async settled(): Promise<void> {
    await Promise.all([...this.pruning]);
  }

  private refusal(root: string): string | undefined {
    if (parse(root).root === root) return "it is the filesystem root";
    if (this.options.home && canonical(this.options.home) === root) return "it is the home folder";
    return undefined;
  }

  private refuse(root: string, directory: string, reason: string, sessionID?: string): void {
    if (this.refused.has(root)) return;
    this.refused.set(root, reason);
    this.repos.delete(root);
    this.onRefused(directory, reason, sessionID);
  }

  /** Old objects are pruned in the background, at most once an hour per repository, never per step. */
  private schedulePrune(root: string, repo: ShadowRepo): void {
    const now = (this.options.now ?? Date.now)();
    const last = this.lastPrune.get(root);
    if (last === undefined) {
      // The first snapshot of this process: the next prune comes one period later.
      this.lastPrune.set(root, now);
      return;
    }
    if (now - last < PRUNE_EVERY_MS) return;
    this.lastPrune.set(root, now);
    const run = repo.prune(PRUNE_GRACE).catch(() => {});
    this.pruning.add(run);
    run.finally(() => this.pruning.delete(run));
  }
}

function canonical(directory: string): string {
  try {
    return realpathSync(resolve(directory));
  } catch {
    return resolve(directory);
  }
}
