/** @jsxImportSource preact */
// Model output as Markdown: `marked`'s lexer (CommonMark + GFM: tables, nested and task lists, strikethrough,
// autolinks) gives tokens, and this turns them into Preact nodes, never HTML strings. What the model writes cannot
// inject anything: raw HTML is shown as the text it is, a link is a link only for http(s) and mailto (any other
// URL, `javascript:` included, stays text), and images are not loaded (their alt text links to them). An unclosed
// fence mid-stream lexes as a code block up to the end, so a streaming reply renders as code so far.
import { Lexer, type Token, type Tokens } from "marked";
import type { ComponentChildren } from "preact";
import { highlight } from "./highlight.js";

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0" };

/** marked keeps character references in text as written (its HTML renderer would pass them to the browser). */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[\da-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] !== "#") return ENTITIES[name.toLowerCase()] ?? whole;
    const code = name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : whole;
  });
}

export function safeHref(url: string): string | undefined {
  return /^(https?:|mailto:)/i.test(url.trim()) ? url.trim() : undefined;
}

export function lex(source: string): Token[] {
  return new Lexer({ gfm: true }).lex(source);
}

function inline(tokens: Token[] | undefined): ComponentChildren[] {
  // Inline tokens of a finished line never change, and a streamed line only grows at its end: position is stable.
  return (tokens ?? []).map((token, position) => inlineToken(token as Tokens.Generic, position));
}

function inlineToken(token: Tokens.Generic, key: number): ComponentChildren {
  switch (token.type) {
    case "text":
      return token.tokens ? <span key={key}>{inline(token.tokens)}</span> : decodeEntities(token.text);
    case "escape":
      return token.text;
    case "strong":
      return <strong key={key}>{inline(token.tokens)}</strong>;
    case "em":
      return <em key={key}>{inline(token.tokens)}</em>;
    case "del":
      return <del key={key}>{inline(token.tokens)}</del>;
    case "codespan":
      return <code key={key}>{decodeEntities(token.text)}</code>;
    case "br":
      return <br key={key} />;
    case "link": {
      const href = safeHref(token.href);
      if (!href) return token.raw;
      return (
        <a key={key} href={href} title={token.title ?? undefined} target="_blank" rel="noopener noreferrer">
          {inline(token.tokens)}
        </a>
      );
    }
    case "image": {
      const href = safeHref(token.href);
      const label = `🖼 ${token.text || "image"}`;
      return href ? (
        <a key={key} class="image-link" href={href} target="_blank" rel="noopener noreferrer">
          {label}
        </a>
      ) : (
        token.raw
      );
    }
    // Raw HTML (`<script>`, `<img onerror>`) and anything unknown: the characters the model wrote.
    default:
      return token.raw;
  }
}

// Items, rows and cells only grow at the end while a reply streams, so their position is a stable key.
function listItem(item: Tokens.ListItem, position: number) {
  return (
    <li key={position} class={item.task ? "task" : undefined}>
      {item.task && <input type="checkbox" checked={item.checked} disabled aria-label="task" />}
      {blocks(item.tokens.filter((child) => child.type !== "checkbox"))}
    </li>
  );
}

function tableRow(row: Tokens.TableCell[], position: number) {
  return <tr key={position}>{row.map(tableCell)}</tr>;
}

function tableCell(cell: Tokens.TableCell, column: number) {
  const Tag = cell.header ? "th" : "td";
  return (
    <Tag key={column} style={cell.align ? { textAlign: cell.align } : undefined}>
      {inline(cell.tokens)}
    </Tag>
  );
}

function block(token: Tokens.Generic, key: number): ComponentChildren {
  switch (token.type) {
    case "space":
    case "def":
      return null;
    case "code":
      return (
        <pre key={key} class="code" data-language={token.lang || undefined}>
          <code class="hljs">{highlight(token.text, token.lang ?? "")}</code>
        </pre>
      );
    case "heading": {
      // The session heading is an h2: a reply's headings sit below it.
      const Tag = `h${Math.min(token.depth + 2, 6)}` as "h3";
      return <Tag key={key}>{inline(token.tokens)}</Tag>;
    }
    case "paragraph":
      return <p key={key}>{inline(token.tokens)}</p>;
    case "text":
      // A tight list item's text: inline content, no paragraph around it.
      return <span key={key}>{token.tokens ? inline(token.tokens) : decodeEntities(token.text)}</span>;
    case "blockquote":
      return <blockquote key={key}>{blocks(token.tokens ?? [])}</blockquote>;
    case "hr":
      return <hr key={key} />;
    case "list": {
      const list = token as Tokens.List;
      const items = list.items.map(listItem);
      return list.ordered ? (
        <ol key={key} start={list.start === "" || list.start === 1 ? undefined : list.start}>
          {items}
        </ol>
      ) : (
        <ul key={key}>{items}</ul>
      );
    }
    case "table": {
      const table = token as Tokens.Table;
      return (
        <div key={key} class="table-wrap">
          <table>
            <thead>
              <tr>{table.header.map(tableCell)}</tr>
            </thead>
            <tbody>{table.rows.map(tableRow)}</tbody>
          </table>
        </div>
      );
    }
    // Block-level raw HTML is shown as written, like inline HTML.
    case "html":
      return (
        <p key={key} class="raw-html">
          {token.raw}
        </p>
      );
    default:
      return token.raw ? <p key={key}>{token.raw}</p> : null;
  }
}

function blocks(tokens: Token[]): ComponentChildren[] {
  // Blocks only grow at the end while a reply streams, so their position is a stable key.
  return tokens.map((token, position) => block(token as Tokens.Generic, position));
}

export function Markdown({ text }: { text: string }) {
  return <div class="markdown">{blocks(lex(text))}</div>;
}
