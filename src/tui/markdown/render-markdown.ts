// Assistant text as the terminal draws it: markdown read by `marked`'s lexer (GFM: tables, task lists,
// strikethrough) and turned into styled lines for a given width. No markdown is parsed here; this only draws
// the tokens. Text still streaming is drawn as it stands: an unclosed code fence is a code block so far.
import { Lexer, type Token, type Tokens } from "marked";
import { style, visibleWidth, wrapLine } from "./ansi.js";
import { highlightCode } from "./highlight-code.js";
import { boxedTable } from "./table.js";

/** The markdown as lines of styled text no wider than `width` (tables and code excepted when they cannot fit). */
export function renderMarkdown(markdown: string, width: number): string[] {
  const tokens = new Lexer({ gfm: true }).lex(markdown);
  return trimBlank(blocks(tokens, Math.max(20, width)));
}

function trimBlank(lines: string[]): string[] {
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start] === "") start++;
  while (end > start && lines[end - 1] === "") end--;
  return lines.slice(start, end);
}

/** Block tokens, a blank line between blocks. */
function blocks(tokens: Token[], width: number): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    const lines = block(token, width);
    if (lines.length === 0) continue;
    if (out.length > 0) out.push("");
    out.push(...lines);
  }
  return out;
}

function block(token: Token, width: number): string[] {
  const t = token as Tokens.Generic;
  switch (token.type) {
    case "space":
    case "def":
      return [];
    case "heading": {
      const { depth, tokens } = token as Tokens.Heading;
      const text = inline(tokens);
      const styled = depth === 1 ? style(text, "bold", "underline", "cyan") : style(text, "bold", "cyan");
      return wrapLine(depth <= 2 ? styled : `${"#".repeat(depth)} ${styled}`, width);
    }
    case "paragraph":
      return paragraph(inline((token as Tokens.Paragraph).tokens), width);
    case "text": {
      const text = token as Tokens.Text;
      return paragraph(text.tokens ? inline(text.tokens) : text.text, width);
    }
    case "code": {
      const { text, lang } = token as Tokens.Code;
      const label = lang ? style(` ${lang}`, "dim") : "";
      const body = highlightCode(text.replace(/\n$/, ""), lang?.split(/\s/)[0]);
      return [
        `${style("┌", "gray")}${label}`,
        ...body.map((line) => `${style("│", "gray")} ${line}`),
        style("└", "gray"),
      ];
    }
    case "blockquote": {
      const inner = blocks((token as Tokens.Blockquote).tokens, width - 2);
      return inner.map((line) => `${style("│", "gray")} ${style(line, "italic")}`);
    }
    case "list":
      return list(token as Tokens.List, width);
    case "table":
      return boxedTable(
        (token as Tokens.Table).header.map((cell) => style(inline(cell.tokens), "bold")),
        (token as Tokens.Table).rows.map((row) => row.map((cell) => inline(cell.tokens))),
        (token as Tokens.Table).align,
        width,
      );
    case "hr":
      return [style("─".repeat(Math.min(width, 40)), "gray")];
    case "html":
      // Shown as the text it is: nothing from the model is interpreted.
      return paragraph((token as Tokens.HTML).text.replace(/\n$/, ""), width);
    default:
      return paragraph(typeof t.text === "string" ? t.text : t.raw, width);
  }
}

function paragraph(text: string, width: number): string[] {
  return text.split("\n").flatMap((line) => wrapLine(line, width));
}

function list(token: Tokens.List, width: number): string[] {
  const out: string[] = [];
  const start = typeof token.start === "number" ? token.start : 1;
  token.items.forEach((item, index) => {
    const bullet = token.ordered ? `${start + index}.` : "•";
    const mark = item.task ? `${item.checked ? "☑" : "☐"} ` : "";
    const marker = `${token.ordered ? bullet : style(bullet, "cyan")} ${mark}`;
    const indent = visibleWidth(marker);
    const body = item.tokens.filter((child) => child.type !== "checkbox");
    const lines = item.loose ? blocks(body, width - indent) : tight(body, width - indent);
    lines.forEach((line, i) => {
      out.push(i === 0 ? `${marker}${line}` : line === "" ? "" : `${" ".repeat(indent)}${line}`);
    });
    if (item.loose && index < token.items.length - 1) out.push("");
  });
  return out;
}

/** A tight list item's blocks: no blank lines between its text and a nested list. */
function tight(tokens: Token[], width: number): string[] {
  const lines = tokens.flatMap((token) => block(token, width));
  return lines.length > 0 ? lines : [""];
}

/** Inline tokens as one styled string (it may hold line breaks). */
export function inline(tokens: Token[] | undefined): string {
  if (!tokens) return "";
  return tokens.map(inlineToken).join("");
}

function inlineToken(token: Token): string {
  switch (token.type) {
    case "strong":
      return style(inline((token as Tokens.Strong).tokens), "bold");
    case "em":
      return style(inline((token as Tokens.Em).tokens), "italic");
    case "del":
      return style(inline((token as Tokens.Del).tokens), "strikethrough");
    case "codespan":
      return style((token as Tokens.Codespan).text, "yellow");
    case "br":
      return "\n";
    case "link": {
      const link = token as Tokens.Link;
      const text = inline(link.tokens);
      // The address is always shown: a link's text must not hide where it goes.
      return stripped(text) === link.href
        ? style(text, "underline", "blue")
        : `${style(text, "underline", "blue")} ${style(`(${link.href})`, "dim")}`;
    }
    case "image": {
      const image = token as Tokens.Image;
      return style(`[image: ${image.text || image.href}]`, "dim");
    }
    case "text": {
      const text = token as Tokens.Text;
      return text.tokens ? inline(text.tokens) : text.text;
    }
    case "escape":
      return (token as Tokens.Escape).text;
    case "html":
      return (token as Tokens.Tag).text;
    case "checkbox":
      return "";
    default: {
      const generic = token as Tokens.Generic;
      return typeof generic.text === "string" ? generic.text : generic.raw;
    }
  }
}

function stripped(text: string): string {
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
