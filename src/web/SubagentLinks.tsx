/** @jsxImportSource preact */
// Links between a session and its subagents: a task tool card shows the child's progress and opens the child
// session; a child session's header links back to the session that started it. Routes are the page's `#/s/<id>`.
import { taskProgress, taskProgressLine } from "../client/task-progress.js";
import type { ToolPart } from "../protocol/index.js";

const sessionHref = (id: string) => `#/s/${encodeURIComponent(id)}`;

/** For a `task` tool part: its subagent's progress and a link to the child session; nothing for other tools. */
export function SubagentLink({ part }: { part: ToolPart }) {
  const progress = taskProgress(part);
  if (!progress) return null;
  const line = taskProgressLine({ ...progress, sessionID: undefined });
  return (
    <div class="subagent">
      {line && <span class="subagent-progress">{line}</span>}
      {progress.sessionID && (
        <a class="subagent-open" href={sessionHref(progress.sessionID)} data-session={progress.sessionID}>
          Open subagent session
        </a>
      )}
    </div>
  );
}

/** For a child session: a link to its parent. */
export function ParentLink({ parentID }: { parentID?: string }) {
  if (!parentID) return null;
  return (
    <a class="parent-session" href={sessionHref(parentID)}>
      ← Parent session
    </a>
  );
}
