// The value the shell gives a word, where it can be known without running anything: quotes and backslashes removed.
// A word with an expansion or substitution in it has no such value (undefined).
import type { Node } from "web-tree-sitter";

/** Backslash escapes outside quotes: `\x` is `x`, a backslash-newline disappears. */
function unescapeBare(text: string): string {
  return text.replace(/\\\n/g, "").replace(/\\(.)/gs, "$1");
}

/** Inside double quotes only `\$`, `` \` ``, `\"`, `\\` and backslash-newline are escapes. */
function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\\n/g, "").replace(/\\([$`"\\])/g, "$1");
}

export function literalValue(node: Node): string | undefined {
  switch (node.type) {
    case "word":
    case "number":
      return unescapeBare(node.text);
    case "raw_string":
      return node.text.slice(1, -1);
    case "string": {
      let value = "";
      for (const child of node.namedChildren) {
        if (child?.type !== "string_content") return undefined;
        value += unescapeDoubleQuoted(child.text);
      }
      return value;
    }
    case "concatenation": {
      let value = "";
      for (const child of node.namedChildren) {
        const part = child && literalValue(child);
        if (part === undefined) return undefined;
        value += part;
      }
      return value;
    }
    default:
      return undefined;
  }
}

/**
 * A literal path a redirection writes to: undefined when the shell would still change it (a `~`, a glob or brace
 * pattern outside quotes), so the target is not known before the command runs.
 */
export function literalPath(node: Node): string | undefined {
  const value = literalValue(node);
  if (value === undefined || value === "") return undefined;
  const bareParts = node.type === "concatenation" ? node.namedChildren : [node];
  for (const part of bareParts) {
    if (part?.type === "word" && /[*?[{~]/.test(part.text)) return undefined;
  }
  return value;
}
