// Stored messages → the model's conversation, in the AI SDK's provider prompt format (the turn calls the model's
// doStream itself; see turn.ts). One stored assistant message is one model step: its text and tool calls become an
// assistant message, its finished tool calls the tool results that follow it.
import type {
  LanguageModelV3Message,
  LanguageModelV3Prompt,
  LanguageModelV3ToolCallPart,
  LanguageModelV3ToolResultPart,
} from "@ai-sdk/provider";
import type { MessageWithParts, Part } from "../protocol/index.js";

/**
 * The conversation a turn sees: every turn up to and including the one answering `userMessageID`, each user
 * message followed by its own replies. Prompts queued after it (already stored, not yet answered) are left out.
 */
export function conversationFor(history: MessageWithParts[], userMessageID: string): MessageWithParts[] {
  const repliesByParent = new Map<string, MessageWithParts[]>();
  for (const message of history) {
    if (message.info.role !== "assistant") continue;
    const list = repliesByParent.get(message.info.parentID);
    if (list) list.push(message);
    else repliesByParent.set(message.info.parentID, [message]);
  }
  const out: MessageWithParts[] = [];
  for (const message of history) {
    if (message.info.role !== "user" || message.info.id > userMessageID) continue;
    out.push(message, ...(repliesByParent.get(message.info.id) ?? []));
  }
  return out;
}

type UserContent = Extract<LanguageModelV3Message, { role: "user" }>["content"];
type AssistantContent = Extract<LanguageModelV3Message, { role: "assistant" }>["content"];

export function toModelPrompt(history: MessageWithParts[]): LanguageModelV3Prompt {
  const out: LanguageModelV3Prompt = [];
  for (const { info, parts } of history) {
    if (info.role === "user") {
      const content = userContent(parts);
      if (content.length > 0) out.push({ role: "user", content });
      continue;
    }
    const assistant: AssistantContent = [];
    const results: LanguageModelV3ToolResultPart[] = [];
    for (const part of parts) {
      if (part.type === "text" && part.text) assistant.push({ type: "text", text: part.text });
      if (part.type !== "tool") continue;
      const { state } = part;
      // A call whose input never finished streaming cannot be replayed to the model.
      if (state.status === "pending") continue;
      const call: LanguageModelV3ToolCallPart = {
        type: "tool-call",
        toolCallId: part.callID,
        toolName: part.tool,
        input: state.input,
      };
      assistant.push(call);
      const output =
        state.status === "completed"
          ? ({ type: "text", value: state.output } as const)
          : state.status === "error"
            ? ({ type: "error-text", value: state.error } as const)
            : ({ type: "error-text", value: "The tool did not finish." } as const);
      results.push({ type: "tool-result", toolCallId: part.callID, toolName: part.tool, output });
    }
    if (assistant.length > 0) out.push({ role: "assistant", content: assistant });
    if (results.length > 0) out.push({ role: "tool", content: results });
  }
  return out;
}

function userContent(parts: Part[]): UserContent {
  const content: UserContent = [];
  for (const part of parts) {
    if (part.type === "text" && part.text) content.push({ type: "text", text: part.text });
    if (part.type === "file") {
      if (part.mime.startsWith("text/") && part.url.startsWith("data:")) {
        content.push({ type: "text", text: `File ${part.filename ?? ""}:\n${decodeDataUrl(part.url)}` });
      } else if (part.mime.startsWith("image/") && URL.canParse(part.url)) {
        content.push({ type: "file", data: imageData(part.url), mediaType: part.mime });
      } else {
        content.push({ type: "text", text: `[Attached file ${part.filename ?? part.url} (${part.mime})]` });
      }
    }
  }
  return content;
}

/** A data: URL's base64 payload, or the URL itself for the provider to pass on or fetch. */
function imageData(url: string): string | URL {
  if (!url.startsWith("data:")) return new URL(url);
  const { base64, body } = dataUrlPayload(url);
  return base64 ? body : Buffer.from(decodeURIComponent(body), "utf8").toString("base64");
}

function decodeDataUrl(url: string): string {
  const { base64, body } = dataUrlPayload(url);
  return base64 ? Buffer.from(body, "base64").toString("utf8") : decodeURIComponent(body);
}

/** What follows a data: URL's comma, and whether it is base64 (the `;base64` mark before the comma). */
function dataUrlPayload(url: string): { base64: boolean; body: string } {
  const comma = url.indexOf(",");
  return { base64: url.slice(0, comma).endsWith(";base64"), body: url.slice(comma + 1) };
}
