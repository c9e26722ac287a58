import { Box, Text, useInput } from "ink";
import { useRef, useState } from "react";
import type { PermissionReply } from "../protocol/index.js";

export interface PromptInputProps {
  active: boolean;
  permissionPending: boolean;
  onSubmit(text: string): void;
  onAnswer(reply: PermissionReply): void;
  /** Ctrl+C; `empty` says whether the input was empty. */
  onInterrupt(empty: boolean): void;
  onDetach(): void;
}

/** A multi-line prompt: Enter sends, Alt+Enter adds a line, ↑/↓ walk the history of sent prompts. */
export function PromptInput({
  active,
  permissionPending,
  onSubmit,
  onAnswer,
  onInterrupt,
  onDetach,
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

  return (
    <Box borderStyle="round" borderColor={active ? "blue" : "gray"} paddingX={1}>
      <Text>
        {value === "" ? <Text dimColor>Ask moor… (/sessions, /new, /resume, /compact, /detach)</Text> : value}
        <Text inverse> </Text>
      </Text>
    </Box>
  );
}
