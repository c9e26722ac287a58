// A `subtask` command (OpenCode's `subtask: true`) runs as a task: its turn starts with a step that calls the task
// tool itself (stored as an assistant message with one `task` tool part, as if the model had called it), so the
// child session, its progress and its result look the same as a model's task call; the model then goes on from the
// result, as after any tool call.
import { emptyTokens, newId } from "../../protocol/index.js";
import type { TurnPrelude } from "../session.js";
import { abortedError } from "../turn/errors.js";
import { newStepRecorder } from "../turn/step.js";
import { runOwnToolCall } from "../turn/tool-call.js";
import type { TaskInput } from "./task-tool.js";

export function subtaskStep(input: TaskInput): TurnPrelude {
  return async (services, request) => {
    const { session } = request;
    const recorder = newStepRecorder(services, request);
    recorder.open();
    const base = { sessionID: session.id, messageID: recorder.info.id };
    recorder.put({ ...base, id: newId("prt", services.now()), type: "step-start" });
    await runOwnToolCall(services, request, recorder, { tool: "task", input: { ...input }, callPrefix: "cmd" });
    recorder.put({
      ...base,
      id: newId("prt", services.now()),
      type: "step-finish",
      reason: "tool-calls",
      cost: 0,
      tokens: emptyTokens(),
    });
    const aborted = request.signal.aborted;
    await recorder.close({
      time: { created: recorder.info.time.created, completed: services.now() },
      finish: "tool-calls",
      ...(aborted ? { error: abortedError() } : {}),
    });
    if (!aborted) return undefined;
    return {
      finish: "aborted",
      error: abortedError(),
      last: { info: recorder.info, parts: await services.store.listParts(recorder.info.id) },
    };
  };
}
