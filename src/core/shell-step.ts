// The user's own shell command (OpenCode's `!command`, POST /session/:id/shell): its turn is one step that calls
// the bash tool itself, stored as an assistant message with one `bash` tool part (as if the model had called it),
// and then ends: no model call. The command goes through the same permission rules as the model's bash calls.
import { newId, type ToolPart } from "../protocol/index.js";
import type { TurnPrelude } from "./session.js";
import { StepRecorder } from "./step-recorder.js";
import { abortedError } from "./turn/errors.js";
import { newAssistantMessage } from "./turn/step.js";
import { runToolCall } from "./turn/tool-call.js";

/** The synthetic user text OpenCode stores before a shell command's result. */
export const SHELL_PROMPT_TEXT = "The following tool was executed by the user";

export function shellStep(command: string): TurnPrelude {
  return async (services, request) => {
    const { session } = request;
    const recorder = new StepRecorder(
      services.store,
      { directory: session.directory, sessionID: session.id },
      newAssistantMessage(services, request),
      services.now,
    );
    recorder.open();
    const base = { sessionID: session.id, messageID: recorder.info.id };
    const input = { command, description: command };
    const part: ToolPart = {
      ...base,
      id: newId("prt", services.now()),
      type: "tool",
      callID: newId("prt", services.now()).replace(/^prt_/, "sh_"),
      tool: "bash",
      state: { status: "pending", input: { ...input }, raw: JSON.stringify(input) },
    };
    recorder.put(part);
    const tools = services.tools.forAgent(request.agent);
    await runToolCall({ services, request, recorder, tools, offered: tools.definitions }, part, { ...input });
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
