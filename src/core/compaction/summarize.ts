// The summary step of the hidden `compaction` agent: one model call without tools over the history the model sees,
// its answer stored as an assistant message with `summary: true` (OpenCode's shape). Later steps see the history from
// it on (the store's `history`). A request that itself overflows is retried on less history.
import type { LanguageModelV3Prompt, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import {
  type AssistantMessage,
  emptyTokens,
  type MessageWithParts,
  newId,
  type Session,
  type TextPart,
  type TokenUsage,
} from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import { conversationFor, toModelPrompt } from "../history.js";
import type { ResolvedModel } from "../turn/types.js";
import { costOf, tokensOf } from "../turn/usage.js";
import { estimateRequest } from "./estimate.js";
import { modelHistory } from "./model-history.js";
import { isContextOverflow } from "./overflow.js";
import { COMPACTION_AGENT, COMPACTION_REQUEST, COMPACTION_SYSTEM, HISTORY_OMITTED } from "./prompt.js";

export interface SummaryRequest {
  store: Store;
  now: () => number;
  session: Session;
  model: ResolvedModel;
  /** The user message of the turn compaction happens in (or the newest, for a manual summary). */
  userID: string;
  signal: AbortSignal;
  /** Tokens a request may use (proactive trimming); undefined when the window is not known. */
  usable?: number;
}

/** Attempts on ever less history before giving up (each drops the older half). */
const MAX_ATTEMPTS = 6;

export class NothingToSummarize extends Error {
  constructor() {
    super("There is nothing to summarize yet.");
    this.name = "NothingToSummarize";
  }
}

/** Writes the summary message and announces `session.compacted`; resolves with the stored message. */
export async function writeSummary(request: SummaryRequest): Promise<MessageWithParts> {
  const { store, session, model } = request;
  const history = conversationFor(await modelHistory(store, session.id), request.userID);
  if (history.length === 0) throw new NothingToSummarize();
  let messages = history;
  let omitted = false;
  // Proactively, what plainly cannot fit is left out before the first attempt.
  while (request.usable !== undefined && messages.length > 1 && estimateOf(messages, omitted) > request.usable) {
    messages = messages.slice(Math.ceil(messages.length / 2));
    omitted = true;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      const { text, tokens } = await callModel(model, promptFor(messages, omitted), request.signal);
      return await storeSummary(request, text, tokens);
    } catch (error) {
      if (!isContextOverflow(error) || messages.length <= 1 || attempt >= MAX_ATTEMPTS) throw error;
      messages = messages.slice(Math.ceil(messages.length / 2));
      omitted = true;
    }
  }
}

function estimateOf(messages: MessageWithParts[], omitted: boolean): number {
  return estimateRequest(COMPACTION_SYSTEM, promptFor(messages, omitted), []);
}

function promptFor(messages: MessageWithParts[], omitted: boolean): LanguageModelV3Prompt {
  const prompt = toModelPrompt(messages);
  // A request starts with the user (Anthropic insists), so a trimmed history gets a note first.
  if (omitted || prompt[0]?.role !== "user") {
    prompt.unshift({ role: "user", content: [{ type: "text", text: HISTORY_OMITTED }] });
  }
  return [
    { role: "system", content: COMPACTION_SYSTEM },
    ...prompt,
    { role: "user", content: [{ type: "text", text: COMPACTION_REQUEST }] },
  ];
}

async function callModel(
  model: ResolvedModel,
  prompt: LanguageModelV3Prompt,
  abortSignal: AbortSignal,
): Promise<{ text: string; tokens: TokenUsage }> {
  const { stream } = await model.model.doStream({ prompt, abortSignal });
  const reader = stream.getReader();
  let text = "";
  let tokens = emptyTokens();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const chunk = value as LanguageModelV3StreamPart;
    if (chunk.type === "text-delta") text += chunk.delta;
    else if (chunk.type === "finish") tokens = tokensOf(chunk.usage);
    else if (chunk.type === "error") throw chunk.error;
  }
  if (abortSignal.aborted) throw new Error("The summary was aborted.");
  if (!text.trim()) throw new Error("The model wrote an empty summary.");
  return { text: text.trim(), tokens };
}

async function storeSummary(request: SummaryRequest, text: string, tokens: TokenUsage): Promise<MessageWithParts> {
  const { session, model, now } = request;
  const created = now();
  const info: AssistantMessage = {
    id: newId("msg", created),
    sessionID: session.id,
    role: "assistant",
    time: { created, completed: now() },
    parentID: request.userID,
    modelID: model.modelID,
    providerID: model.providerID,
    mode: COMPACTION_AGENT,
    agent: COMPACTION_AGENT,
    path: { cwd: session.directory, root: session.directory },
    cost: costOf(tokens, model),
    tokens,
    finish: "stop",
    summary: true,
  };
  const part: TextPart = {
    id: newId("prt", now()),
    sessionID: session.id,
    messageID: info.id,
    type: "text",
    text,
    time: { start: created, end: now() },
  };
  // The summary and its announcement are one commit: a client that sees `session.compacted` can read the summary.
  await request.store.commit({ directory: session.directory, sessionID: session.id }, (tx) => {
    tx.putMessage(info);
    tx.putPart(part);
    tx.emit("message.updated", { sessionID: session.id, info });
    tx.emit("message.part.updated", { sessionID: session.id, part });
    tx.emit("session.compacted", { sessionID: session.id });
  });
  return { info, parts: [part] };
}
