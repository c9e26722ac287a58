// A session's diff: the per-file changes its edit and write tools made, summed in the order they ran. Served at
// GET /session/:id/diff and published as `session.diff` after each tool call that changed a file.
import type { FileDiff, MessageWithParts } from "../protocol/index.js";

export function sessionDiff(messages: MessageWithParts[]): FileDiff[] {
  const byFile = new Map<string, FileDiff>();
  for (const { parts } of messages) {
    for (const part of parts) {
      if (part.type !== "tool" || part.state.status !== "completed") continue;
      const { metadata } = part.state;
      if (typeof metadata.filepath !== "string" || typeof metadata.diff !== "string") continue;
      const previous = byFile.get(metadata.filepath);
      const additions = Number(metadata.additions ?? 0);
      const deletions = Number(metadata.deletions ?? 0);
      byFile.set(metadata.filepath, {
        file: metadata.filepath,
        patch: previous ? `${previous.patch}\n${metadata.diff}` : metadata.diff,
        additions: (previous?.additions ?? 0) + additions,
        deletions: (previous?.deletions ?? 0) + deletions,
        status: previous?.status ?? (metadata.exists === false ? "added" : "modified"),
      });
    }
  }
  return [...byFile.values()];
}
