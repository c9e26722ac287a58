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

export function stepSnapshotHooks(options: StepSnapshotOptions): Partial<TurnHooks> {
  const turns = new WeakMap<TurnRequest, TurnSnapshots>();
  return {
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
      (_call, request) => {
        const state = turns.get(request);
        if (!state) return undefined;
        if (!state.start) {
          const { session } = request;
          const start = state.end ? Promise.resolve(state.end) : options.snapshots.track(session.directory, session.id);
          state.start = start;
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
        const start = await state.start.catch(() => undefined);
        state.start = undefined;
        state.end = undefined;
        if (!start) return undefined;
        const { session } = request;
        const end = await options.snapshots.track(session.directory, session.id);
        const repo = options.snapshots.repo(session.directory);
        if (!end || !repo) return undefined;
        state.end = end;
        const files = await repo.changedFiles(start, end);
        const { message } = report;
        const changed: Part[] = [];
        for (const part of message.parts) {
          if (part.type === "step-start") changed.push({ ...part, snapshot: start });
          if (part.type === "step-finish") changed.push({ ...part, snapshot: end });
        }
        if (files.length > 0) {
          changed.push({
            id: newId("prt", options.now()),
            sessionID: session.id,
            messageID: message.info.id,
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
        return undefined;
      },
    ],
  };
}
