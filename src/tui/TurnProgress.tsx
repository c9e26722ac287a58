import { Text } from "ink";
import { useEffect, useState } from "react";
import { formatCost, formatDuration, turnProgress } from "../client/turn-progress.js";
import type { ViewMessage } from "../client/view-model.js";

const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/**
 * The line under a running turn: a spinner and the time since the prompt, tokens and cost so far; while a
 * question waits on the user it says so instead of spinning (the turn is not working, it waits for them).
 */
export function TurnProgress({ messages, waiting }: { messages: ViewMessage[]; waiting: boolean }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 200);
    return () => clearInterval(timer);
  }, []);
  const progress = turnProgress(messages);
  const elapsed = progress.started === undefined ? "" : formatDuration(Math.max(0, now - progress.started));
  const tokens = `↑${progress.input} ↓${progress.estimated ? "~" : ""}${progress.output} tokens · ${formatCost(progress.cost)}`;
  if (waiting)
    return (
      <Text color="yellow">
        ◆ waiting for your answer{" "}
        <Text dimColor>
          · {elapsed} · {tokens}
        </Text>
      </Text>
    );
  const frame = FRAMES[Math.floor(now / 100) % FRAMES.length];
  return (
    <Text color="yellow">
      {frame} working {elapsed} <Text dimColor>· {tokens} · Ctrl+C to abort</Text>
    </Text>
  );
}
