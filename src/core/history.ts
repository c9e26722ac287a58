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
  const head = history[0];
  if (head && isSummary(head)) {
    // A compaction summary leads the history (the store's `history`): it stands for everything before it, and the
    // steps after it of a turn that began before it (the turn compaction interrupted) follow it directly.
    out.push(head);
    const users = new Set(history.filter(({ info }) => info.role === "user").map(({ info }) => info.id));
    for (const message of history) {
      if (message !== head && message.info.role === "assistant" && !users.has(message.info.parentID)) {
        out.push(message);
      }
    }
  }
  for (const message of history) {
    if (message.info.role !== "user" || message.info.id > userMessageID) continue;
    out.push(message, ...(repliesByParent.get(message.info.id) ?? []));
  }
  return out;
}

type UserContent = Extract<LanguageModelV3Message, { role: "user" }>["content"];
type AssistantContent = Extract<LanguageModelV3Message, { role: "assistant" }>["content"];

/**
 * What each stored message became, by the stored object: the store's history cache hands out the same object until
 * the message is written again (port.ts: shared objects are never changed in place), so a step converts only the
 * messages new or changed since the last, not the whole history again. Its entries go with the cache's objects.
 */
const converted = new WeakMap<MessageWithParts, readonly LanguageModelV3Message[]>();

export function toModelPrompt(history: MessageWithParts[]): LanguageModelV3Prompt {
  const out: LanguageModelV3Prompt = [];
  for (const [index, message] of history.entries()) {
    // A summary's prompt depends on the message after it, so it is built each time (there is at most one).
    if (isSummary(message)) {
      out.push(...summaryPrompt(message.parts, history[index + 1]));
      continue;
    }
    let messages = converted.get(message);
    if (!messages) {
      messages = messagePrompt(message);
      converted.set(message, messages);
    }
    out.push(...messages);
  }
  return out;
}

/** One stored message (not a summary) as the model sees it: a user message, or an assistant step and its results. */
function messagePrompt({ info, parts }: MessageWithParts): LanguageModelV3Message[] {
  const out: LanguageModelV3Message[] = [];
  if (info.role === "user") {
    const content = userContent(parts);
    if (content.length > 0) out.push({ role: "user", content });
    return out;
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
        ? ({ type: "text", value: state.time.compacted ? PRUNED_OUTPUT : state.output } as const)
        : state.status === "error"
          ? ({ type: "error-text", value: state.error } as const)
          : ({ type: "error-text", value: "The tool did not finish." } as const);
    results.push({ type: "tool-result", toolCallId: part.callID, toolName: part.tool, output });
  }
  if (assistant.length > 0) out.push({ role: "assistant", content: assistant });
  if (results.length > 0) out.push({ role: "tool", content: results });
  return out;
}

/** What the model reads in place of a tool output compaction pruned (OpenCode's wording). */
export const PRUNED_OUTPUT = "[Old tool result content cleared]";

/** Asked of the model when a compaction summary stands in for the history (OpenCode's wording). */
export const SUMMARY_QUESTION = "What did we do so far?";

/** Said after the summary when the turn compaction interrupted goes on (no new prompt follows it). */
export const CONTINUE_AFTER_SUMMARY =
  "Continue if you have next steps, or stop and ask for clarification if you are unsure how to proceed.";

export function isSummary(message: MessageWithParts): boolean {
  return message.info.role === "assistant" && message.info.summary === true;
}

/** A summary as the model sees it: the question, the summary as its answer, and what to do next. */
function summaryPrompt(parts: Part[], next: MessageWithParts | undefined): LanguageModelV3Prompt {
  const text = parts.flatMap((part) => (part.type === "text" && part.text ? [part.text] : [])).join("\n");
  const out: LanguageModelV3Prompt = [
    { role: "user", content: [{ type: "text", text: SUMMARY_QUESTION }] },
    { role: "assistant", content: [{ type: "text", text }] },
  ];
  if (next?.info.role !== "user") out.push({ role: "user", content: [{ type: "text", text: CONTINUE_AFTER_SUMMARY }] });
  return out;
}

function userContent(parts: Part[]): UserContent {
  const content: UserContent = [];
  for (const part of parts) {
    if (part.type === "text" && part.text) content.push({ type: "text", text: part.text });
    if (part.type === "file") content.push(fileContent(part));
  }
  return content;
}

type FileInput = Extract<Part, { type: "file" }>;

/**
 * A stored attachment as the model sees it. Never throws: a part stored before attachments were checked (or
 * imported from elsewhere) that cannot be decoded becomes a note saying so, and the session keeps working.
 */
function fileContent(part: FileInput): UserContent[number] {
  const name = part.filename ?? part.url.slice(0, 100);
  try {
    if (part.mime.startsWith("text/") && part.url.startsWith("data:")) {
      return { type: "text", text: `File ${part.filename ?? ""}:\n${dataUrlBytes(part.url).toString("utf8")}` };
    }
    if (part.mime.startsWith("image/") && URL.canParse(part.url)) {
      return { type: "file", data: imageData(part.url), mediaType: part.mime };
    }
  } catch {
    return { type: "text", text: `[Attached file ${name} (${part.mime}) could not be read]` };
  }
  return { type: "text", text: `[Attached file ${name} (${part.mime})]` };
}

/** A data: URL's base64 payload, or the URL itself for the provider to pass on or fetch. */
function imageData(url: string): string | URL {
  if (!url.startsWith("data:")) return new URL(url);
  return dataUrlBytes(url).toString("base64");
}

/** A data: URL's payload bytes: base64 decoded, or %-escapes decoded (a malformed escape is kept as written). */
function dataUrlBytes(url: string): Buffer {
  const comma = url.indexOf(",");
  if (comma === -1) return Buffer.alloc(0);
  const body = url.slice(comma + 1);
  if (/;\s*base64\s*$/i.test(url.slice(0, comma))) return Buffer.from(percentDecode(body).toString("latin1"), "base64");
  return percentDecode(body);
}

function percentDecode(text: string): Buffer {
  if (!text.includes("%")) return Buffer.from(text, "utf8");
  const pieces = text.split(/(%[0-9A-Fa-f]{2})/);
  return Buffer.concat(
    pieces.map((piece) =>
      /^%[0-9A-Fa-f]{2}$/.test(piece) ? Buffer.of(Number.parseInt(piece.slice(1), 16)) : Buffer.from(piece, "utf8"),
    ),
  );
}
