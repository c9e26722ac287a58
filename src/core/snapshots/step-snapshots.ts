// Snapshots around each step, as turn hooks: the tree before the step's first tool call (each call waits for it, so
// no tool changes a file before it is recorded) and at the step's end, and a `patch` part naming every file that
// changed between them — whatever changed it, a tool or a command. A step without tool calls changes no file and
// costs no snapshot, so the first delta never waits for or competes with git. The step-start and step-finish parts
// carry the two trees (`snapshot`), as in OpenCode; revert reads them.
import { newId, type Part } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { TurnHooks } from "../turn/hooks.js";
import type { TurnRequest } from "../turn/types.js";
import type { SnapshotService } from "./service.js";

interface TurnSnapshots {
  /** The current step's start tree, once a tool call asked for it (undefined inside: not snapshotted). */
  start?: Promise<string | undefined>;
  started: boolean;
  /** The last recorded end tree of this turn: no file changed since (only the model spoke), so it is the start. */
  end?: string;
}

export interface StepSnapshotOptions {
  store: Store;
  snapshots: SnapshotService;
  /** Config `snapshot` of the directory (false turns snapshots off). */
  enabled(directory: string): boolean;
  now(): number;
}

export interface StepSnapshots {
  hooks: Partial<TurnHooks>;
  /**
   * A session's turn ended (`session.idle`): a step that failed or was aborted after its first tool call had no
   * afterStep, so its end is recorded now, with its patch part; nothing when every step was recorded.
   */
  settle(sessionID: string): Promise<void>;
}

export function stepSnapshotHooks(options: StepSnapshotOptions): StepSnapshots {
  const turns = new WeakMap<TurnRequest, TurnSnapshots>();
  /** Per session, the step whose start tree was taken and whose end is not recorded yet. */
  const open = new Map<string, { request: TurnRequest; messageID: string }>();

  /** Records the step's end tree, and writes its two trees and its patch part (when files changed). */
  async function finish(state: TurnSnapshots, request: TurnRequest, messageID: string, parts: readonly Part[]) {
    const start = await state.start?.catch(() => undefined);
    state.start = undefined;
    state.end = undefined;
    if (!start) return;
    const { session } = request;
    const end = await options.snapshots.track(session.directory, session.id);
    const repo = options.snapshots.repo(session.directory);
    if (!end || !repo) return;
    state.end = end;
    const files = await repo.changedFiles(start, end);
    const changed: Part[] = [];
    for (const part of parts) {
      if (part.type === "step-start") changed.push({ ...part, snapshot: start });
      if (part.type === "step-finish") changed.push({ ...part, snapshot: end });
    }
    if (files.length > 0) {
      changed.push({
        id: newId("prt", options.now()),
        sessionID: session.id,
        messageID,
        type: "patch",
        hash: start,
        files,
      });
    }
    const time = options.now();
    await options.store.commit({ directory: session.directory, sessionID: session.id }, (tx) => {
      for (const part of changed) {
        tx.putPart(part);
        tx.emit("message.part.updated", { sessionID: session.id, part, time });
      }
    });
  }

  const hooks: Partial<TurnHooks> = {
    prepareStep: [
      (_plan, { request }) => {
        if (!options.enabled(request.session.directory)) return undefined;
        const state = turns.get(request) ?? { started: false };
        state.start = undefined;
        state.started = false;
        turns.set(request, state);
        return undefined;
      },
    ],
    beforeTool: [
      (call, request) => {
        const state = turns.get(request);
        if (!state) return undefined;
        if (!state.start) {
          const { session } = request;
          const start = state.end ? Promise.resolve(state.end) : options.snapshots.track(session.directory, session.id);
          state.start = start;
          open.set(session.id, { request, messageID: call.messageID });
          const settle = () => {
            if (state.start === start) state.started = true;
          };
          start.then(settle, settle);
        }
        // Synchronous once the start is recorded, so a later call is marked running in the tick it arrived.
        if (state.started) return undefined;
        return state.start.then(() => undefined);
      },
    ],
    afterStep: [
      async (report, _decision, request) => {
        const state = turns.get(request);
        if (!state?.start) return undefined;
        if (open.get(request.session.id)?.request === request) open.delete(request.session.id);
        await finish(state, request, report.message.info.id, report.message.parts);
        return undefined;
      },
    ],
  };
  return {
    hooks,
    async settle(sessionID) {
      const entry = open.get(sessionID);
      if (!entry) return;
      open.delete(sessionID);
      const state = turns.get(entry.request);
      if (!state?.start) return;
      await finish(state, entry.request, entry.messageID, await options.store.listParts(entry.messageID));
    },
  };
}
