/** @jsxImportSource preact */
// Code highlighting with lowlight (highlight.js grammars giving a syntax tree, not HTML strings). The tree becomes
// Preact text nodes and spans with highlight.js's `hljs-*` classes (styled in app.css), so nothing a model writes
// can be injected. Only a handful of common grammars are registered to keep the page's bundle small; a block in
// any other language is shown as plain text.
import type { Element, ElementContent, Root } from "hast";
import bash from "highlight.js/lib/languages/bash";
import c from "highlight.js/lib/languages/c";
import cpp from "highlight.js/lib/languages/cpp";
import css from "highlight.js/lib/languages/css";
import diff from "highlight.js/lib/languages/diff";
import go from "highlight.js/lib/languages/go";
import java from "highlight.js/lib/languages/java";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import shell from "highlight.js/lib/languages/shell";
import sql from "highlight.js/lib/languages/sql";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { createLowlight } from "lowlight";
import type { ComponentChildren } from "preact";

const lowlight = createLowlight({
  bash,
  c,
  cpp,
  css,
  diff,
  go,
  java,
  javascript,
  json,
  markdown,
  python,
  rust,
  shell,
  sql,
  typescript,
  xml,
  yaml,
});
// Names models write in fences that the grammars do not declare as aliases.
lowlight.registerAlias({ typescript: ["tsx", "mts", "cts"], javascript: ["jsx", "mjs", "cjs"], bash: ["sh", "zsh"] });

/** The grammar for a fence's info string, if one is registered (`ts`, `py`, `sh` and other aliases included). */
export function grammarFor(language: string): string | undefined {
  const name = language.trim().toLowerCase();
  return name && lowlight.registered(name) ? name : undefined;
}

function toNodes(nodes: ElementContent[]): ComponentChildren[] {
  return nodes.map(toNode);
}

/** A highlighted block only grows at its end while a reply streams, so a node's position is a stable key. */
function toNode(node: ElementContent, position: number): ComponentChildren {
  if (node.type === "text") return node.value;
  if (node.type !== "element") return null;
  return (
    <span key={position} class={classesOf(node)}>
      {toNodes(node.children)}
    </span>
  );
}

function classesOf(node: Element): string | undefined {
  const names = node.properties.className;
  return Array.isArray(names) ? names.join(" ") : typeof names === "string" ? names : undefined;
}

export function highlight(code: string, language = ""): ComponentChildren[] {
  const grammar = grammarFor(language);
  if (!grammar) return [code];
  const tree: Root = lowlight.highlight(grammar, code);
  return toNodes(tree.children as ElementContent[]);
}
