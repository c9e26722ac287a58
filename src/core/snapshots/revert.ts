// Undo and redo of the agent's file changes (OpenCode's session revert): revert puts the files the steps from a
// message (or part) on changed back as they were before, and marks the session (`revert`) so clients hide those
// messages; unrevert puts back what revert found; the next prompt makes a revert final by deleting the messages.
// Safe by default: a file changed by hand after the agent's last change to it is not overwritten unless forced.
import type { MessageWithParts, Part, Session, SessionRevert } from "../../protocol/index.js";
import { CoreError } from "../errors.js";
import type { ShadowRepo } from "./shadow-repo.js";

/** What the steps from a point on changed: for each file, the tree before its first change and after its last. */
export interface RevertScope {
  files: string[];
  /** The tree before the first step that changed each file. */
  before: Map<string, string>;
  /** The tree after the last step that changed each file (its step-finish snapshot). */
  after: Map<string, string | undefined>;
}

/** The patch parts from `messageID` (from `partID` within it, when given) to the end. */
export function revertScope(messages: MessageWithParts[], messageID: string, partID?: string): RevertScope {
  const before = new Map<string, string>();
  const after = new Map<string, string | undefined>();
  const index = messages.findIndex((message) => message.info.id === messageID);
  for (const message of index === -1 ? [] : messages.slice(index)) {
    let parts: Part[] = message.parts;
    if (partID && message.info.id === messageID) {
      const from = parts.findIndex((part) => part.id === partID);
      parts = from === -1 ? parts : parts.slice(from);
    }
    const end = parts.find((part) => part.type === "step-finish")?.snapshot;
    for (const part of parts) {
      if (part.type !== "patch") continue;
      for (const file of part.files) {
        if (!before.has(file)) before.set(file, part.hash);
        after.set(file, end);
      }
    }
  }
  return { files: [...before.keys()], before, after };
}

/** A revert would overwrite files changed since the agent's change (code `conflict`, HTTP 409). */
export class RevertConflictError extends CoreError {
  constructor(readonly files: string[]) {
    super(
      "conflict",
      `Files were changed after the agent's change; revert with force: true to overwrite them: ${files.join(", ")}`,
    );
    this.name = "RevertConflictError";
  }
}

/**
 * The files whose content now differs from what is expected of them: `expected` maps a file to the tree holding its
 * expected version (the agent's last, or what a revert left); a file without a recorded tree is not judged.
 */
export async function changedSince(repo: ShadowRepo, expected: Map<string, string | undefined>): Promise<string[]> {
  const files = [...expected.keys()];
  const current = await repo.current(files);
  const byTree = new Map<string, string[]>();
  for (const file of files) {
    const tree = expected.get(file);
    if (tree) byTree.set(tree, [...(byTree.get(tree) ?? []), file]);
  }
  const conflicts: string[] = [];
  for (const [tree, group] of byTree) {
    const blobs = await repo.blobs(tree, group);
    for (const file of group) if (blobs.get(file) !== current.get(file)) conflicts.push(file);
  }
  return conflicts.sort();
}

/** What the disk should hold now: the agent's last version, or for a file a revert in effect restored, its before. */
function expectedNow(scope: RevertScope, previous?: RevertScope): Map<string, string | undefined> {
  const expected = new Map<string, string | undefined>();
  for (const file of scope.files) expected.set(file, scope.after.get(file));
  for (const file of previous?.files ?? []) expected.set(file, previous?.before.get(file));
  return expected;
}

/** Restores every file of the scope to the tree before its first change; answers the session's `revert` field. */
export async function applyRevert(
  repo: ShadowRepo,
  session: Session,
  scope: RevertScope,
  input: { messageID: string; partID?: string; force?: boolean },
  trackNow: () => Promise<string | undefined>,
  previous?: { revert: SessionRevert; scope: RevertScope },
): Promise<SessionRevert> {
  if (!input.force) {
    const conflicts = await changedSince(repo, expectedNow(scope, previous?.scope));
    if (conflicts.length > 0) throw new RevertConflictError(conflicts);
  }
  const snapshot = previous?.revert.snapshot ?? (await trackNow());
  if (!snapshot) throw new Error(`The files of ${session.directory} could not be recorded before the revert.`);
  // A revert in effect is undone first (OpenCode does the same), so the new one starts from the agent's state.
  if (previous) await repo.restore(snapshot, previous.scope.files);
  const byTree = new Map<string, string[]>();
  for (const file of scope.files) {
    const tree = scope.before.get(file) as string;
    byTree.set(tree, [...(byTree.get(tree) ?? []), file]);
  }
  for (const [tree, files] of byTree) await repo.restore(tree, files);
  const now = await trackNow();
  const files = [...new Set([...scope.files, ...(previous?.scope.files ?? [])])];
  const diff = now ? await repo.patchText(snapshot, now, files) : "";
  return { messageID: input.messageID, ...(input.partID ? { partID: input.partID } : {}), snapshot, diff };
}

/** Puts back what a revert found (its snapshot), unless a file was changed by hand since the revert (then refused). */
export async function applyUnrevert(repo: ShadowRepo, snapshot: string, scope: RevertScope, force?: boolean) {
  if (!force) {
    const conflicts = await changedSince(repo, expectedNow({ files: [], before: new Map(), after: new Map() }, scope));
    if (conflicts.length > 0) throw new RevertConflictError(conflicts);
  }
  await repo.restore(snapshot, scope.files);
}
