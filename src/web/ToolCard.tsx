/** @jsxImportSource preact */
// One tool call as a card: name, a one-line summary of the input, status, then the input, the unified diff of an
// edit (state.metadata.diff) and the output or error.
import type { ToolPart } from "../protocol/index.js";
import { SubagentLink } from "./SubagentLinks.js";

export function Diff({ patch }: { patch: string }) {
  const lines = patch.replace(/\n$/, "").split("\n");
  return <pre class="diff">{lines.map(diffLine)}</pre>;
}

/** Lines never move within a patch, so their position is a stable key. */
function diffLine(line: string, position: number) {
  return (
    <span key={position} class={diffLineClass(line)}>
      {line}
      {"\n"}
    </span>
  );
}

function diffLineClass(line: string): string {
  if (line.startsWith("+++") || line.startsWith("---") || line.startsWith("Index:") || line.startsWith("===")) {
    return "diff-file";
  }
  if (line.startsWith("@@")) return "diff-hunk";
  if (line.startsWith("+")) return "diff-add";
  if (line.startsWith("-")) return "diff-del";
  return "diff-context";
}

/** What the call is about in a few words: the path, the command, the pattern. */
function summary(input: Record<string, unknown>): string {
  for (const key of ["filePath", "path", "command", "pattern", "url", "query", "description"]) {
    const value = input[key];
    if (typeof value === "string" && value) return value;
  }
  return "";
}

export function ToolCard({ part }: { part: ToolPart }) {
  const { state } = part;
  const metadata = "metadata" in state ? (state.metadata ?? {}) : {};
  const diff = typeof metadata.diff === "string" && metadata.diff ? metadata.diff : undefined;
  const title = ("title" in state && state.title) || summary(state.input);
  const input = JSON.stringify(state.input, null, 2);
  return (
    <div class={`tool-card status-${state.status}`} data-tool={part.tool}>
      <div class="tool-head">
        <span class="tool-name">{part.tool}</span>
        <span class="tool-title" title={title}>
          {title}
        </span>
        <span class={`badge badge-${state.status}`}>{state.status}</span>
      </div>
      <SubagentLink part={part} />
      {input !== "{}" && (
        <details class="tool-input">
          <summary>Input</summary>
          <pre>{input}</pre>
        </details>
      )}
      {diff && <Diff patch={diff} />}
      {state.status === "completed" && state.output && (
        <details class="tool-output" open={!diff && state.output.length < 600}>
          <summary>Output</summary>
          <pre>{state.output}</pre>
        </details>
      )}
      {state.status === "error" && <pre class="tool-error">{state.error}</pre>}
    </div>
  );
}
