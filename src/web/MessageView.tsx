/** @jsxImportSource preact */
// One message of the transcript: the user's text as a bubble; the assistant's parts in order (text as Markdown,
// reasoning folded, tools as cards) and its error, if the turn ended with one.

import { COMPACTION_MARK, isCompactionSummary } from "../client/compaction.js";
import type { ViewMessage } from "../client/view-model.js";
import type { Part } from "../protocol/index.js";
import { formatElapsed } from "./format.js";
import { Markdown } from "./markdown.js";
import { ToolCard } from "./ToolCard.js";

function PartView({ part }: { part: Part }) {
  switch (part.type) {
    case "text":
      return part.synthetic ? null : <Markdown text={part.text} />;
    case "reasoning":
      return part.text.trim() ? (
        <details class="reasoning">
          <summary>Reasoning</summary>
          <Markdown text={part.text} />
        </details>
      ) : null;
    case "tool":
      return <ToolCard part={part} />;
    case "file":
      return <div class="file-part">📎 {part.filename ?? part.mime}</div>;
    case "patch":
      return <div class="patch-part">Changed {part.files.join(", ")}</div>;
    default:
      return null;
  }
}

/** `queued`: a prompt the server holds until the running turn ends (client/queued-prompts.ts). */
export function MessageView({ message, queued = false }: { message: ViewMessage; queued?: boolean }) {
  const { info, parts } = message;
  if (info.role === "user") {
    const text = parts
      .filter((part) => part.type === "text" && !part.synthetic)
      .map((part) => (part.type === "text" ? part.text : ""))
      .join("\n");
    return (
      <div class={`message user ${queued ? "queued" : ""}`} data-message={info.id}>
        <div class="bubble">
          {queued && <span class="queued-tag">queued</span>}
          {text}
        </div>
      </div>
    );
  }
  if (isCompactionSummary(info)) {
    const text = parts.map((part) => (part.type === "text" ? part.text : "")).join("\n");
    return (
      <div class="message compaction" data-message={info.id}>
        <div class="compaction-mark">{COMPACTION_MARK}</div>
        <details class="compaction-summary">
          <summary>Summary</summary>
          <Markdown text={text} />
        </details>
      </div>
    );
  }
  const error = info.error;
  return (
    <div class="message assistant" data-message={info.id}>
      {parts.map((part) => (
        <PartView key={part.id} part={part} />
      ))}
      {error && (
        <div class={`message-error ${error.name === "MessageAbortedError" ? "aborted" : ""}`}>
          {error.name === "MessageAbortedError" ? "Aborted" : error.data.message}
        </div>
      )}
      {info.time.completed && (
        <div class="reply-footer">
          {info.agent} · {info.providerID}/{info.modelID} · {formatElapsed(info.time.completed - info.time.created)}
        </div>
      )}
    </div>
  );
}
