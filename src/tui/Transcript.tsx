import { Box, Text } from "ink";
import { memo } from "react";
import { COMPACTION_MARK, isCompactionSummary } from "../client/compaction.js";
import { hookRunDetail, hookRunFailed, hookRunLine, hookRunsAfter, type ShownHookRun } from "../client/hook-runs.js";
import { taskProgress, taskProgressLine } from "../client/task-progress.js";
import { summarizeTool } from "../client/tool-summary.js";
import { formatDuration } from "../client/turn-progress.js";
import type { ViewMessage } from "../client/view-model.js";
import type { Part, ToolPart } from "../protocol/index.js";
import { renderDiff } from "./diff/render-diff.js";
import { MarkdownText } from "./markdown/MarkdownText.js";

const SHOWN_MESSAGES = 40;

/**
 * A tool call in one line (what it acted on, and how it went: exit code, +/− lines, match count); expanded
 * (Ctrl+O), an edit's diff or the output's last lines. A running command shows its output as it comes.
 */
function ToolLine({ part, expanded }: { part: ToolPart; expanded: boolean }) {
  const { state } = part;
  const summary = summarizeTool(part);
  const mark = state.status === "error" || summary.failed ? "✗" : state.status === "completed" ? "✓" : "…";
  const color = state.status === "error" || summary.failed ? "red" : state.status === "completed" ? "green" : "yellow";
  let detail = "";
  let isDiff = false;
  if (expanded && state.status === "completed") {
    isDiff = typeof state.metadata.diff === "string";
    detail = typeof state.metadata.diff === "string" ? renderDiff(state.metadata.diff, 60).join("\n") : state.output;
  } else if (expanded && state.status === "error") detail = state.error;
  else if (state.status === "running" && typeof state.metadata?.output === "string") detail = state.metadata.output;
  // A subagent: its child session and progress (Ctrl+S lists the session's subagents first, to open one).
  const task = taskProgress(part);
  if (task && !(expanded && detail))
    detail = `${taskProgressLine(task)}${state.status === "running" ? " (Ctrl+S to open)" : ""}`;
  const lines = detail.split("\n").slice(-20).join("\n");
  return (
    <Box flexDirection="column">
      <Text color={color} wrap="truncate-end">
        {mark} {part.tool} <Text color="white">{summary.target}</Text>
        {summary.outcome ? <Text color={summary.failed ? "red" : "gray"}> · {summary.outcome}</Text> : null}
      </Text>
      {lines ? (
        <Box marginLeft={2}>
          <Text dimColor={!isDiff}>{lines}</Text>
        </Box>
      ) : null}
    </Box>
  );
}

function PartView({ part, expanded }: { part: Part; expanded: boolean }) {
  if (part.type === "text") return <MarkdownText text={part.text} />;
  if (part.type === "reasoning") {
    if (expanded)
      return (
        <Text dimColor italic>
          {part.text}
        </Text>
      );
    return <Text dimColor>💭 thinking ({part.text.length} chars; Ctrl+O to expand)</Text>;
  }
  if (part.type === "tool") return <ToolLine part={part} expanded={expanded} />;
  return null;
}

/**
 * Under a finished reply (the assistant message that ended its turn, not one that went on to run tools): who
 * answered, with which model, and how long the turn took from the prompt.
 */
function ReplyFooter({ message, promptTime }: { message: ViewMessage; promptTime: number | undefined }) {
  const { info } = message;
  if (info.role !== "assistant" || !info.time.completed || info.finish === "tool-calls" || info.summary) return null;
  const duration = info.time.completed - (promptTime ?? info.time.created);
  return (
    <Text dimColor>
      ▣ {info.agent} · {info.providerID}/{info.modelID} · {formatDuration(duration)}
    </Text>
  );
}

/** Where compaction happened: the mark, and the summary (folded unless expanded). */
function CompactionView({ message, expanded }: { message: ViewMessage; expanded: boolean }) {
  const text = message.parts.map((part) => (part.type === "text" ? part.text : "")).join("");
  return (
    <Box flexDirection="column">
      <Text color="magenta">{COMPACTION_MARK}</Text>
      {expanded ? <Text dimColor>{text}</Text> : <Text dimColor>summary ({text.length} chars; Ctrl+O to expand)</Text>}
    </Box>
  );
}

/**
 * One message. Memoized: the view model keeps an unchanged message the same object, so while a reply streams
 * only the message it grows in is drawn again (its markdown re-read), not the whole transcript.
 */
const MessageView = memo(function MessageView({
  message,
  expanded,
  promptTime,
}: {
  message: ViewMessage;
  expanded: boolean;
  promptTime: number | undefined;
}) {
  return (
    <Box flexDirection="column" marginBottom={message.info.role === "user" ? 0 : 1}>
      {isCompactionSummary(message.info) ? (
        <CompactionView message={message} expanded={expanded} />
      ) : message.info.role === "user" ? (
        <Text color="cyan">
          {"› "}
          {message.parts.map((part) => (part.type === "text" ? part.text : "")).join("")}
        </Text>
      ) : (
        message.parts.map((part) => <PartView key={part.id} part={part} expanded={expanded} />)
      )}
      <ReplyFooter message={message} promptTime={promptTime} />
      {message.info.role === "assistant" && message.info.error ? (
        <Text color="red">! {message.info.error.data.message}</Text>
      ) : null}
    </Box>
  );
});

/** Hook runs, one dim line each (red when one failed); expanded (Ctrl+O), their error and output under it. */
function HookRuns({ runs, expanded }: { runs: ShownHookRun[]; expanded: boolean }) {
  if (runs.length === 0) return null;
  return (
    <Box flexDirection="column" marginBottom={1}>
      {runs.map(({ key, run }) => (
        <Box key={key} flexDirection="column">
          <Text dimColor color={hookRunFailed(run) ? "red" : undefined} wrap="truncate-end">
            ⚙ {hookRunLine(run)}
          </Text>
          {expanded && hookRunDetail(run) ? (
            <Box marginLeft={2}>
              <Text dimColor>{hookRunDetail(run).split("\n").slice(-10).join("\n")}</Text>
            </Box>
          ) : null}
        </Box>
      ))}
    </Box>
  );
}

export function Transcript({
  messages,
  expanded,
  hookRuns,
}: {
  messages: ViewMessage[];
  expanded: boolean;
  hookRuns?: ShownHookRun[];
}) {
  const shown = messages.slice(-SHOWN_MESSAGES);
  return (
    <Box flexDirection="column">
      {messages.length > shown.length ? (
        <Text dimColor>({messages.length - shown.length} earlier messages)</Text>
      ) : null}
      <HookRuns runs={hookRunsAfter(hookRuns)} expanded={expanded} />
      {shown.flatMap((message) => [
        <MessageView
          key={message.info.id}
          message={message}
          expanded={expanded}
          promptTime={
            message.info.role === "assistant"
              ? shown.find((other) => other.info.id === (message.info as { parentID?: string }).parentID)?.info.time
                  .created
              : undefined
          }
        />,
        <HookRuns
          key={`hooks-${message.info.id}`}
          runs={hookRunsAfter(hookRuns, message.info.id)}
          expanded={expanded}
        />,
      ])}
    </Box>
  );
}
