// When an editor first hears of a tool call. The model streams a call's input after naming the tool, so moor's
// part starts as `pending` with an empty input; an editor shows the first `tool_call` it gets (acpx prints its
// `input: {}`, Zed its locations), so the call is announced once its input is known, with its locations and raw
// input, rather than announced empty and patched later.
import type { ToolPart } from "../protocol/index.js";

/** Whether the part is a call whose input the model is still streaming (nothing worth announcing yet). */
export function inputStillStreaming(part: ToolPart): boolean {
  return part.state.status === "pending" && Object.keys(part.state.input).length === 0;
}
