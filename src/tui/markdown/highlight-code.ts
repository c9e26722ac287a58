// Code blocks coloured by highlight.js grammars (through lowlight, which gives a tree, not HTML): each token
// class maps to a terminal colour. An unknown or missing language is shown plain rather than guessed.
import { common, createLowlight } from "lowlight";
import { type Style, style } from "./ansi.js";

const lowlight = createLowlight(common);

const CLASS_STYLES: Record<string, Style[]> = {
  keyword: ["magenta"],
  built_in: ["cyan"],
  type: ["cyan"],
  literal: ["brightBlue"],
  number: ["brightBlue"],
  string: ["green"],
  regexp: ["red"],
  symbol: ["brightBlue"],
  comment: ["gray", "italic"],
  doctag: ["gray"],
  meta: ["gray"],
  title: ["yellow"],
  "title.function": ["yellow"],
  "title.class": ["brightYellow"],
  function: ["yellow"],
  params: [],
  attr: ["cyan"],
  attribute: ["cyan"],
  variable: ["red"],
  "variable.language": ["magenta"],
  property: ["cyan"],
  tag: ["red"],
  name: ["red"],
  "selector-tag": ["red"],
  "selector-class": ["yellow"],
  addition: ["green"],
  deletion: ["red"],
  subst: [],
  section: ["bold", "yellow"],
  bullet: ["cyan"],
  emphasis: ["italic"],
  strong: ["bold"],
};

interface HastNode {
  type: string;
  value?: string;
  properties?: { className?: string[] };
  children?: HastNode[];
}

/** Common aliases a model writes after a fence that highlight.js knows under another name. */
const ALIASES: Record<string, string> = { sh: "bash", shell: "bash", zsh: "bash", console: "bash", ts: "typescript" };

/** The code's lines, coloured when `lang` names a known grammar. */
export function highlightCode(code: string, lang: string | undefined): string[] {
  const name = lang ? (ALIASES[lang.toLowerCase()] ?? lang.toLowerCase()) : undefined;
  if (!name || !lowlight.registered(name)) return code.split("\n");
  try {
    const tree = lowlight.highlight(name, code) as unknown as HastNode;
    return render(tree, []).split("\n");
  } catch {
    return code.split("\n");
  }
}

function stylesOf(node: HastNode): Style[] {
  const classes = node.properties?.className ?? [];
  for (const className of classes) {
    const key = className.replace(/^hljs-/, "");
    const found = CLASS_STYLES[key] ?? CLASS_STYLES[key.split(".")[0]];
    if (found) return found;
  }
  return [];
}

// Styles are applied per line: a multi-line token (a block comment) keeps its colour on every line it spans.
function render(node: HastNode, styles: Style[]): string {
  if (node.type === "text") {
    return (node.value ?? "")
      .split("\n")
      .map((line) => (line && styles.length > 0 ? style(line, ...[...styles].reverse()) : line))
      .join("\n");
  }
  const inner = node.type === "element" ? [...styles, ...stylesOf(node)] : styles;
  return (node.children ?? []).map((child) => render(child, inner)).join("");
}
