import { Box, Text } from "ink";
import type { ViewState } from "../client/view-model.js";

export function StatusLine({
  view,
  model,
  url,
  agent,
  agentColor,
}: {
  view: ViewState;
  /** The model picked for the next prompts (/model), shown instead of the last one used. */
  model?: string;
  url: string;
  /** Undefined until the server's agents are known: the prompt then runs the server's default. */
  agent: string | undefined;
  agentColor: string | undefined;
}) {
  const connection =
    view.connection === "connected"
      ? { text: "connected", color: "green" }
      : view.connection === "reconnecting"
        ? {
            text: `server unreachable, reconnecting${view.connectionDetail ? ` (${view.connectionDetail})` : ""}`,
            color: "red",
          }
        : { text: view.connection, color: "yellow" };
  const status =
    view.status.type === "retry" ? `retry ${view.status.attempt}: ${view.status.message}` : view.status.type;
  const tokens = view.tokens ? `${view.tokens.input} in / ${view.tokens.output} out` : "";
  return (
    <Box flexDirection="column">
      {view.notice ? <Text color="yellow">{view.notice}</Text> : null}
      <Text inverse>
        {" "}
        {view.session?.title ?? "no session"} · <Text color={agentColor}>{agent ?? "agent ?"}</Text> ·{" "}
        {model ?? view.model ?? "model ?"} · {status}
        {tokens ? ` · ${tokens}` : ""} · <Text color={connection.color}>{connection.text}</Text> · {url}{" "}
      </Text>
      <Text dimColor>
        Enter send · Alt+Enter newline · Tab agent · Ctrl+O expand · Ctrl+S sessions · Ctrl+C abort/quit · Ctrl+D detach
      </Text>
    </Box>
  );
}
