// Snapshots around each step, as turn hooks: the tree at the step's start (recorded while the model call is on
// the wire; a tool call waits for it, so no tool can change a file before it is recorded) and at its end, and a
// `patch` part naming every file that changed between them — whatever changed it, a tool or a command. The
// step-start and step-finish parts carry the two trees (`snapshot`), as in OpenCode; revert reads them.
import { newId, type Part } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { TurnHooks } from "../turn/hooks.js";
import type { TurnRequest } from "../turn/types.js";
import type { SnapshotService } from "./service.js";

interface TurnSnapshots {
  /** The current step's start tree (undefined: not snapshotted). */
  start?: Promise<string | undefined>;
  started: boolean;
  /** The previous step's end tree: the next step's start, with no second look at the disk. */
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
        const directory = request.session.directory;
        if (!options.enabled(directory)) return undefined;
        const previous = turns.get(request);
        const state: TurnSnapshots = { started: false };
        state.start = previous?.end
          ? Promise.resolve(previous.end)
          : options.snapshots.track(directory, request.session.id);
        state.start.then(
          () => {
            state.started = true;
          },
          () => {
            state.started = true;
          },
        );
        turns.set(request, state);
        return undefined;
      },
    ],
    beforeTool: [
      (_call, request) => {
        const state = turns.get(request);
        // Synchronous once the start is recorded, so a tool is marked running in the tick its call arrived.
        if (!state?.start || state.started) return undefined;
        return state.start.then(() => undefined);
      },
    ],
    afterStep: [
      async (report, _decision, request) => {
        const state = turns.get(request);
        if (!state?.start) return undefined;
        const start = await state.start.catch(() => undefined);
        state.start = undefined;
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
