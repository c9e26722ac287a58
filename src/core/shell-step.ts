// The user's own shell command (OpenCode's `!command`, POST /session/:id/shell): its turn is one step that calls
// the bash tool itself, stored as an assistant message with one `bash` tool part (as if the model had called it),
// and then ends: no model call. The command goes through the same permission rules as the model's bash calls.
import type { TurnPrelude } from "./session.js";
import { abortedError } from "./turn/errors.js";
import { newStepRecorder } from "./turn/step.js";
import { runOwnToolCall } from "./turn/tool-call.js";

/** The synthetic user text OpenCode stores before a shell command's result. */
export const SHELL_PROMPT_TEXT = "The following tool was executed by the user";

export function shellStep(command: string): TurnPrelude {
  return async (services, request) => {
    const recorder = newStepRecorder(services, request);
    recorder.open();
    await runOwnToolCall(services, request, recorder, {
      tool: "bash",
      input: { command, description: command },
      callPrefix: "sh",
    });
    const aborted = request.signal.aborted;
    await recorder.close({
      time: { created: recorder.info.time.created, completed: services.now() },
      finish: aborted ? "aborted" : "stop",
      ...(aborted ? { error: abortedError() } : {}),
    });
    const last = { info: recorder.info, parts: await services.store.listParts(recorder.info.id) };
    return aborted ? { finish: "aborted", error: abortedError(), last } : { finish: "stop", last };
  };
}
