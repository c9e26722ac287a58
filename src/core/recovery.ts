// Start-up recovery: a step that was being produced by a process that is gone is marked interrupted — its unfinished
// tool calls become errors that say so (and carry the mark a resume looks for), its message records the
// interruption, and `session.error` (kind `interrupted`) announces it. Commands those calls left running are ended
// first, and questions no live turn waits for any more are closed.
import type { AssistantMessage, MessageError, MessageInfo, Part } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import type { EventBus } from "./bus.js";
import { expireOrphanedQuestions } from "./permission.js";
import { endProcessGroups, type ProcessGroupRecord, readProcessGroupRecord } from "./tools/process-group.js";
import { INTERRUPTED_MARK } from "./turn/types.js";

export const INTERRUPTED_MESSAGE = "Interrupted: the server stopped while this reply was being produced.";

/** Whether a process with this pid still exists (EPERM means it exists but belongs to someone else). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the process producing a running message still runs: its owner lock is held. Rows written before owner
 * tokens existed have only a pid (which a zombie keeps), the best there is for them.
 */
async function ownerAlive(store: Store, ownerToken: string | null, ownerPid: number | null): Promise<boolean> {
  if (ownerToken !== null) return store.isOwnerAlive(ownerToken);
  return ownerPid !== null && ownerPid !== process.pid && processAlive(ownerPid);
}

/** Marks the steps no live process is producing as interrupted; returns the sessions they belong to. */
export async function markInterruptedTurns(
  store: Store,
  bus: EventBus | undefined,
  now: () => number,
): Promise<string[]> {
  const orphans: MessageInfo[] = [];
  for (const { info, ownerPid, ownerToken } of await store.listRunningMessages()) {
    if (info.role === "assistant" && !(await ownerAlive(store, ownerToken, ownerPid))) orphans.push(info);
  }
  const sessions = await markInterrupted(store, orphans, bus, now);
  await expireOrphanedQuestions(store);
  await store.sweepOwners();
  return sessions;
}

/**
 * Cluster mode: a worker that took over a session's lease marks the steps of the session still marked running as
 * interrupted, whoever produced them: their owner lost the lease (it died, or hangs and can write no more). Answers
 * whether there was one.
 */
export async function markInterruptedSession(
  store: Store,
  sessionID: string,
  bus: EventBus | undefined,
  now: () => number,
): Promise<boolean> {
  const orphans = (await store.listRunningMessages())
    .map((running) => running.info)
    .filter((info) => info.role === "assistant" && info.sessionID === sessionID);
  return (await markInterrupted(store, orphans, bus, now)).length > 0;
}

/** Marks the given running steps interrupted; the sessions they belong to. */
async function markInterrupted(
  store: Store,
  orphans: MessageInfo[],
  bus: EventBus | undefined,
  now: () => number,
): Promise<string[]> {
  const sessions = new Set<string>();
  // Before anything is marked (and so before anything can be resumed): a command is never running twice.
  const partsByMessage = new Map<string, Part[]>();
  const groups: ProcessGroupRecord[] = [];
  for (const info of orphans) {
    const parts = await store.listParts(info.id);
    partsByMessage.set(info.id, parts);
    for (const part of parts) {
      if (part.type !== "tool" || part.state.status !== "running") continue;
      const group = readProcessGroupRecord(part.state.metadata);
      if (group) groups.push(group);
    }
  }
  if (groups.length > 0) endProcessGroups(groups);
  for (const info of orphans) {
    const session = await store.getSession(info.sessionID);
    const error: MessageError = { name: "InterruptedError", data: { message: INTERRUPTED_MESSAGE } };
    const updated: AssistantMessage = {
      ...(info as AssistantMessage),
      error,
      time: { created: info.time.created, completed: now() },
    };
    await store.commit({ directory: session?.directory ?? "", sessionID: info.sessionID }, (tx) => {
      const closed: Part[] = [];
      for (const part of partsByMessage.get(info.id) ?? []) {
        if (part.type === "tool" && (part.state.status === "pending" || part.state.status === "running")) {
          const start = part.state.status === "running" ? part.state.time.start : now();
          closed.push({
            ...part,
            state: {
              status: "error",
              input: part.state.input,
              error: "Interrupted: the server stopped while this tool was running.",
              metadata: { [INTERRUPTED_MARK]: part.state.status === "running" },
              time: { start, end: now() },
            },
          });
        } else if ((part.type === "text" || part.type === "reasoning") && part.time && part.time.end === undefined) {
          closed.push({ ...part, time: { start: part.time.start, end: now() } });
        }
      }
      for (const part of closed) {
        tx.putPart(part);
        tx.emit("message.part.updated", { sessionID: info.sessionID, part, time: now() });
      }
      tx.putMessage(updated, false);
      tx.emit("message.updated", { sessionID: info.sessionID, info: updated });
    });
    sessions.add(info.sessionID);
    if (session && bus) {
      bus.publish(
        "session.error",
        { sessionID: info.sessionID, error: { ...error, kind: "interrupted" } },
        { directory: session.directory, sessionID: info.sessionID },
      );
    }
  }
  return [...sessions];
}
