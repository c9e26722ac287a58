import { Box, Text, useInput } from "ink";
import { useState } from "react";
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
  const [value, setValue] = useState("");
  const [history, setHistory] = useState<string[]>([]);
  const [historyIndex, setHistoryIndex] = useState<number | undefined>();

  useInput(
    (input, key) => {
      if (key.ctrl && input === "c") {
        onInterrupt(value === "");
        setValue("");
        return;
      }
      if (key.ctrl && input === "d") return onDetach();
      if (key.ctrl) return;
      if (permissionPending && value === "" && ["y", "a", "n"].includes(input)) {
        onAnswer(input === "y" ? "once" : input === "a" ? "always" : "reject");
        return;
      }
      if (key.return) {
        if (key.meta || key.shift) {
          setValue((text) => `${text}\n`);
          return;
        }
        if (value.trim()) {
          setHistory((list) => [...list, value]);
          onSubmit(value);
        }
        setValue("");
        setHistoryIndex(undefined);
        return;
      }
      if (key.upArrow && !value.includes("\n")) {
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
        {value === "" ? <Text dimColor>Ask moor… (/sessions, /new, /detach)</Text> : value}
        <Text inverse> </Text>
      </Text>
    </Box>
  );
}
