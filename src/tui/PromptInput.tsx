import { Box, Text, useInput } from "ink";
import { useRef, useState } from "react";
import { completeSlash, type SlashEntry, slashMatches } from "../client/index.js";
import type { PermissionReply } from "../protocol/index.js";

export interface PromptInputProps {
  active: boolean;
  permissionPending: boolean;
  onSubmit(text: string): void;
  onAnswer(reply: PermissionReply): void;
  /** Ctrl+C; `empty` says whether the input was empty. */
  onInterrupt(empty: boolean): void;
  onDetach(): void;
  /** What `/` completes to (Tab takes the first match; the matches are listed under the box). */
  commands: readonly SlashEntry[];
  /** Tab when no command is being completed (cycles the agent). */
  onTab(): void;
}

/** Enough for every client command and a few of the server's; more are reached by typing on. */
const MAX_MATCHES_SHOWN = 16;

/** A multi-line prompt: Enter sends, Alt+Enter adds a line, ↑/↓ walk the history of sent prompts. */
export function PromptInput({
  active,
  permissionPending,
  onSubmit,
  onAnswer,
  onInterrupt,
  onDetach,
  commands,
  onTab,
}: PromptInputProps) {
  const [value, setShownValue] = useState("");
  // Keys can arrive faster than React re-renders: the handler reads and writes the latest text through a ref.
  const current = useRef("");
  const setValue = (next: string | ((text: string) => string)) => {
    current.current = typeof next === "function" ? next(current.current) : next;
    setShownValue(current.current);
  };
  const [history, setHistory] = useState<string[]>([]);
  const [historyIndex, setHistoryIndex] = useState<number | undefined>();

  useInput(
    (input, key) => {
      if (key.ctrl && input === "c") {
        onInterrupt(current.current === "");
        setValue("");
        return;
      }
      if (key.ctrl && input === "d") return onDetach();
      if (key.ctrl) return;
      if (key.tab) {
        if (slashMatches(current.current, commands).length > 0) setValue((text) => completeSlash(text, commands));
        else onTab();
        return;
      }
      if (permissionPending && current.current === "" && ["y", "a", "n"].includes(input)) {
        onAnswer(input === "y" ? "once" : input === "a" ? "always" : "reject");
        return;
      }
      const submit = (text: string) => {
        if (text.trim()) {
          setHistory((list) => [...list, text]);
          onSubmit(text);
        }
        setValue("");
        setHistoryIndex(undefined);
      };
      if (key.return) {
        if (key.meta || key.shift) setValue((text) => `${text}\n`);
        else submit(current.current);
        return;
      }
      // Typed-ahead or pasted text arrives as one chunk; a final carriage return in it still means Enter.
      if (input.length > 1 && /\r$/.test(input)) {
        submit(current.current + input.slice(0, -1).replace(/\r\n?/g, "\n"));
        return;
      }
      if (key.upArrow && !current.current.includes("\n")) {
        const index = historyIndex === undefined ? history.length - 1 : Math.max(0, historyIndex - 1);
        if (history[index] !== undefined) {
          setHistoryIndex(index);
          setValue(history[index]);
        }
        return;
      }
      if (key.downArrow && historyIndex !== undefined) {
        const index = historyIndex + 1;
        setHistoryIndex(index < history.length ? index : undefined);
        setValue(index < history.length ? history[index] : "");
        return;
      }
      if (key.backspace || key.delete) {
        setValue((text) => text.slice(0, -1));
        return;
      }
      if (input && !key.escape && !key.tab) setValue((text) => text + input);
    },
    { isActive: active },
  );

  const allMatches = slashMatches(value, commands);
  const matches = allMatches.slice(0, MAX_MATCHES_SHOWN);
  return (
    <Box flexDirection="column">
      <Box borderStyle="round" borderColor={active ? "blue" : "gray"} paddingX={1}>
        <Text>
          {value === "" ? <Text dimColor>Ask moor… (/ for commands)</Text> : value}
          <Text inverse> </Text>
        </Text>
      </Box>
      {matches.map((entry) => (
        <Text key={entry.name} wrap="truncate-end">
          {`  /${entry.name}`}
          <Text dimColor>{entry.description ? `  ${entry.description}` : ""}</Text>
        </Text>
      ))}
      {allMatches.length > matches.length ? (
        <Text dimColor>{`  … ${allMatches.length - matches.length} more (keep typing)`}</Text>
      ) : null}
    </Box>
  );
}
