import { Text, useStdout } from "ink";
import { useMemo } from "react";
import { renderMarkdown } from "./render-markdown.js";

/** Assistant text drawn as markdown, to the terminal's width; redrawn as the text streams in. */
export function MarkdownText({ text }: { text: string }) {
  const { stdout } = useStdout();
  const width = Math.max(20, (stdout.columns || 80) - 1);
  const lines = useMemo(() => renderMarkdown(text, width), [text, width]);
  return <Text>{lines.join("\n")}</Text>;
}
