/** @jsxImportSource preact */
// A tiny Markdown renderer for model output: paragraphs, headings, fenced code (highlighted), lists, quotes, rules,
// and inline code, bold, italics and http(s) links. It builds Preact nodes, never HTML strings, so whatever the
// model writes (including `<script>`) is shown as text. An unclosed fence (mid-stream) renders as code so far.
import type { ComponentChildren } from "preact";
import { highlight } from "./highlight.js";

export type Block =
  | { kind: "code"; language: string; text: string }
  | { kind: "heading"; level: number; text: string }
  | { kind: "list"; ordered: boolean; items: string[] }
  | { kind: "quote"; text: string }
  | { kind: "rule" }
  | { kind: "paragraph"; text: string };

const FENCE = /^\s*(```+|~~~+)\s*([\w+#.-]*)/;
const HEADING = /^(#{1,6})\s+(.*)$/;
const RULE = /^\s*([-*_])(\s*\1){2,}\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d+[.)])\s+(.*)$/;
const QUOTE = /^\s*>\s?(.*)$/;

export function parseBlocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const flush = () => {
    if (paragraph.length > 0) blocks.push({ kind: "paragraph", text: paragraph.join("\n") });
    paragraph = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const body: string[] = [];
      for (i++; i < lines.length && !lines[i].trim().startsWith(fence[1]); i++) body.push(lines[i]);
      blocks.push({ kind: "code", language: fence[2], text: body.join("\n") });
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      flush();
      blocks.push({ kind: "heading", level: heading[1].length, text: heading[2] });
      continue;
    }
    if (RULE.test(line)) {
      flush();
      blocks.push({ kind: "rule" });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      flush();
      const ordered = /\d/.test(item[1]);
      const previous = blocks.at(-1);
      if (previous?.kind === "list" && previous.ordered === ordered && lines[i - 1]?.trim()) {
        previous.items.push(item[2]);
      } else blocks.push({ kind: "list", ordered, items: [item[2]] });
      continue;
    }
    const previous = blocks.at(-1);
    if (paragraph.length === 0 && previous?.kind === "list" && /^\s+\S/.test(line) && lines[i - 1]?.trim()) {
      // An indented line right under a list item continues it.
      previous.items[previous.items.length - 1] += `\n${line.trim()}`;
      continue;
    }
    const quote = QUOTE.exec(line);
    if (quote) {
      flush();
      if (previous?.kind === "quote" && lines[i - 1]?.trim()) previous.text += `\n${quote[1]}`;
      else blocks.push({ kind: "quote", text: quote[1] });
      continue;
    }
    paragraph.push(line);
  }
  flush();
  return blocks;
}

const INLINE =
  /(`+)([\s\S]*?[^`])\1(?!`)|\*\*(?=\S)([\s\S]*?\S)\*\*|__(?=\S)([\s\S]*?\S)__|\*(?=[^\s*])([^*]*?[^\s*])\*|\[([^\]\n]+)\]\(([^)\s]+)\)/g;

function safeHref(url: string): string | undefined {
  return /^(https?:|mailto:)/i.test(url) ? url : undefined;
}

export function renderInline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const pattern = new RegExp(INLINE);
  let last = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    if (match.index > last) out.push(text.slice(last, match.index));
    const [whole, , code, bold, bold2, italic, label, url] = match;
    if (code !== undefined) out.push(<code>{code.trim() ? code.replace(/^ (.*) $/s, "$1") : code}</code>);
    else if (bold !== undefined || bold2 !== undefined) out.push(<strong>{renderInline(bold ?? bold2)}</strong>);
    else if (italic !== undefined) out.push(<em>{renderInline(italic)}</em>);
    else {
      const href = safeHref(url);
      out.push(
        href ? (
          <a href={href} target="_blank" rel="noopener noreferrer">
            {renderInline(label)}
          </a>
        ) : (
          whole
        ),
      );
    }
    last = match.index + whole.length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

/** List items only grow at the end while streaming, so their position is a stable key. */
function listItem(item: string, position: number) {
  return <li key={position}>{renderInline(item)}</li>;
}

function renderBlock(block: Block, key: number): ComponentChildren {
  switch (block.kind) {
    case "code":
      return (
        <pre key={key} class="code" data-language={block.language || undefined}>
          <code>{highlight(block.text, block.language)}</code>
        </pre>
      );
    case "heading": {
      const Tag = `h${Math.min(block.level + 2, 6)}` as "h3";
      return <Tag key={key}>{renderInline(block.text)}</Tag>;
    }
    case "list": {
      const items = block.items.map(listItem);
      return block.ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>;
    }
    case "quote":
      return <blockquote key={key}>{renderInline(block.text)}</blockquote>;
    case "rule":
      return <hr key={key} />;
    case "paragraph":
      return <p key={key}>{renderInline(block.text)}</p>;
  }
}

export function Markdown({ text }: { text: string }) {
  return <div class="markdown">{parseBlocks(text).map(renderBlock)}</div>;
}
