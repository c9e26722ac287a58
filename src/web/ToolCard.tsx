/** @jsxImportSource preact */
// One tool call as a card: name, a one-line summary of the input, status, then the input, the unified diff of an
// edit (state.metadata.diff) and the output or error. While the call waits on a permission question, the question
// is asked right here, with the diff it would apply open (PermissionQuestion).
import type { ToolPart } from "../protocol/index.js";
import { PermissionQuestion, useQuestionFor } from "./PermissionQuestion.js";
import { SubagentLink } from "./SubagentLinks.js";

export function Diff({ patch }: { patch: string }) {
  // The `Index:` and `====` banner lines of the patch format say nothing the `---`/`+++` lines do not.
  const text = patch.replace(/\n$/, "").split("\n");
  const lines = numberDiffLines(text.filter((line) => !line.startsWith("Index:") && !/^=+$/.test(line)));
  return <pre class="diff numbered">{lines.map(diffLine)}</pre>;
}

interface NumberedLine {
  text: string;
  /** The line's number in the old and in the new file, where it has one. */
  old?: number;
  new?: number;
}

/** Line numbers from each hunk header (`@@ -old,n +new,m @@`), counted down the hunk. */
export function numberDiffLines(lines: string[]): NumberedLine[] {
  let old = 0;
  let current = 0;
  let inHunk = false;
  return lines.map((text) => {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(text);
    if (hunk) {
      old = Number(hunk[1]);
      current = Number(hunk[2]);
      inHunk = true;
      return { text };
    }
    if (!inHunk || diffLineClass(text) === "diff-file" || text.startsWith("\\")) return { text };
    if (text.startsWith("+")) return { text, new: current++ };
    if (text.startsWith("-")) return { text, old: old++ };
    return { text, old: old++, new: current++ };
  });
}

/** Lines never move within a patch, so their position is a stable key. The numbers are drawn by CSS (attributes),
 * so copying the diff copies only its text. */
function diffLine(line: NumberedLine, position: number) {
  return (
    <span key={position} class={diffLineClass(line.text)} data-old={line.old ?? ""}>
      <span class="ln-new" data-new={line.new ?? ""} />
      {line.text}
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
  const question = useQuestionFor(part.callID);
  return (
    <div class={`tool-card status-${state.status} ${question ? "asking" : ""}`} data-tool={part.tool}>
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
      {question && <PermissionQuestion request={question.request} reply={question.answers.reply} />}
      {diff && !question && <Diff patch={diff} />}
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
