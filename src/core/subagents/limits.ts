// How far subagents reach: how deep children may nest, how many steps and how long a child's turn may run.
import type { Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";

export interface SubagentSettings {
  /** How many levels of children a root session may have; a session at this depth has no task tool. Default 1. */
  depth?: number;
  /** A child turn's step limit (its agent's `steps` when lower). Default 25. */
  steps?: number;
  /** A child turn's time limit in milliseconds; the child is aborted when it is reached. Default 10 minutes. */
  timeoutMs?: number;
}

export const SUBAGENT_DEFAULTS = { depth: 1, steps: 25, timeoutMs: 10 * 60_000 } as const;

export function subagentLimits(settings: SubagentSettings | undefined): Required<SubagentSettings> {
  return {
    depth: settings?.depth ?? SUBAGENT_DEFAULTS.depth,
    steps: settings?.steps ?? SUBAGENT_DEFAULTS.steps,
    timeoutMs: settings?.timeoutMs ?? SUBAGENT_DEFAULTS.timeoutMs,
  };
}

/** How many parents a session has (0 for a root). A broken chain (a parent deleted) ends the walk. */
export function depthOf(store: Store, session: Session): number | Promise<number> {
  if (!session.parentID) return 0;
  return (async () => {
    let depth = 0;
    const seen = new Set<string>([session.id]);
    for (let parentID = session.parentID; parentID && !seen.has(parentID); ) {
      depth++;
      seen.add(parentID);
      parentID = (await store.getSession(parentID))?.parentID;
    }
    return depth;
  })();
}
