// A session's diff from its snapshots: every file its steps changed (tools and commands alike), from the tree
// before the first step that changed it to the tree after the last. `messageID` narrows it to that prompt's turn
// (the user message and the replies up to the next prompt), as OpenCode's GET /session/:id/diff?messageID= does.
import type { FileDiff, MessageWithParts } from "../../protocol/index.js";
import { revertScope } from "./revert.js";
import type { ShadowRepo } from "./shadow-repo.js";

/** Undefined when the messages hold no snapshots (snapshots off, or steps from before them). */
export async function snapshotDiff(
  repo: ShadowRepo,
  messages: MessageWithParts[],
  messageID?: string,
): Promise<FileDiff[] | undefined> {
  let range = messages;
  if (messageID) {
    const start = messages.findIndex((message) => message.info.id === messageID);
    if (start === -1) return [];
    const next = messages.findIndex((message, index) => index > start && message.info.role === "user");
    range = messages.slice(start, next === -1 ? undefined : next);
  }
  const first = range[0]?.info.id;
  if (!first) return [];
  const scope = revertScope(range, first);
  if (scope.files.length === 0) return hasSnapshots(range) ? [] : undefined;
  const from = scope.before.get(scope.files[0]) as string;
  const ends = [...scope.after.values()].filter((tree): tree is string => Boolean(tree));
  const to = lastEnd(range) ?? ends.at(-1);
  if (!to) return undefined;
  const deltas = await repo.deltas(from, to, scope.files);
  return deltas.map(({ file, patch, additions, deletions, status }) => ({ file, patch, additions, deletions, status }));
}

function hasSnapshots(messages: MessageWithParts[]): boolean {
  return messages.some(({ parts }) => parts.some((part) => part.type === "step-finish" && part.snapshot));
}

function lastEnd(messages: MessageWithParts[]): string | undefined {
  for (const { parts } of [...messages].reverse()) {
    for (const part of [...parts].reverse()) if (part.type === "step-finish" && part.snapshot) return part.snapshot;
  }
  return undefined;
}
