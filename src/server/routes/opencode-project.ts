// OpenCode's project object for a directory: moor has one project per directory, with OpenCode's id "global" (what
// `opencode serve` answers for a directory without a project of its own). Its times are real: the first session's
// creation and the last session's update there (now, before the first session).
import type { Session } from "../../protocol/index.js";

export interface WireProject {
  id: string;
  worktree: string;
  vcs: string;
  time: { created: number; updated: number };
  sandboxes: string[];
}

export function projectFor(directory: string, sessions: readonly Session[], now = Date.now()): WireProject {
  const created = sessions.reduce((min, session) => Math.min(min, session.time.created), Number.POSITIVE_INFINITY);
  const updated = sessions.reduce((max, session) => Math.max(max, session.time.updated), 0);
  return {
    id: "global",
    worktree: directory,
    vcs: "git",
    time: { created: Number.isFinite(created) ? created : now, updated: updated || now },
    sandboxes: [],
  };
}
