// A session's transcript as a Markdown document a person can read or share (`/export` in the terminal UI):
// prompts, replies, and each tool call with what it was given and what it returned.
import type { Session } from "../protocol/index.js";
import type { TranscriptMessage } from "./transcript.js";

export function transcriptMarkdown(
  session: Pick<Session, "id" | "title" | "directory">,
  messages: readonly TranscriptMessage[],
): string {
  const out = [`# ${session.title}`, "", `Session ${session.id} in ${session.directory}`, ""];
  for (const { info, parts } of messages) {
    out.push(
      info.role === "user" ? "## User" : `## Assistant (${info.agent} · ${info.providerID}/${info.modelID})`,
      "",
    );
    for (const part of parts) {
      if (part.type === "text" && !part.synthetic) out.push(part.text, "");
      else if (part.type === "tool") {
        out.push(
          `**Tool: ${part.tool}** (${part.state.status})`,
          "",
          "```json",
          JSON.stringify(part.state.input, null, 2),
          "```",
          "",
        );
        const result =
          part.state.status === "completed" ? part.state.output : part.state.status === "error" ? part.state.error : "";
        if (result) out.push("```", result.replace(/```/g, "ʼʼʼ"), "```", "");
      }
    }
  }
  return `${out.join("\n").trimEnd()}\n`;
}
