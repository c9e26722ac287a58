// A markdown file's YAML frontmatter (`---` … `---` at its top) and its body, as OpenCode's agent and command files
// are written. No YAML parser is among moor's dependencies, so this reads the part of YAML such files use: nested
// mappings by indentation, block lists (`- item`), flow lists and maps on one line (`[a, b]`, `{a: b}`), plain,
// quoted and block (`|`, `>`) scalars, comments. Anything else is an error naming the file and line, never a guess.
import { ConfigError } from "./errors.js";

export interface Frontmatter {
  data: Record<string, unknown>;
  body: string;
}

interface Line {
  indent: number;
  text: string;
  /** 1-based, in the whole file. */
  number: number;
}

export function parseFrontmatter(text: string, file: string): Frontmatter {
  const source = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (!/^---[ \t]*\n/.test(source)) return { data: {}, body: source };
  const lines = source.split("\n");
  const end = lines.findIndex((line, index) => index > 0 && /^(---|\.\.\.)[ \t]*$/.test(line));
  if (end < 0) throw new ConfigError(`${file}: the frontmatter opened on line 1 is never closed with ---`);
  const parser = new BlockParser(lines.slice(1, end), 2, file);
  const value = parser.document();
  if (value !== null && (typeof value !== "object" || Array.isArray(value))) {
    throw new ConfigError(`${file}: the frontmatter must be a mapping of keys to values`);
  }
  return { data: (value ?? {}) as Record<string, unknown>, body: lines.slice(end + 1).join("\n") };
}

class BlockParser {
  private readonly lines: Line[];
  private index = 0;

  constructor(
    raw: string[],
    firstNumber: number,
    private readonly file: string,
  ) {
    this.lines = raw.map((text, offset) => {
      if (/^\s*\t/.test(text)) throw this.error(firstNumber + offset, "tabs cannot indent YAML");
      const indent = text.length - text.trimStart().length;
      return { indent, text: text.slice(indent), number: firstNumber + offset };
    });
  }

  document(): unknown {
    const first = this.next();
    if (!first) return null;
    const value = this.block(first.indent);
    const left = this.next();
    if (left) throw this.error(left.number, "unexpected indentation");
    return value;
  }

  /** The next line that holds something (not blank, not only a comment), without consuming it. */
  private next(): Line | undefined {
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (line.text !== "" && !line.text.startsWith("#")) return line;
      this.index++;
    }
    return undefined;
  }

  private block(indent: number): unknown {
    const line = this.next();
    if (!line) return null;
    return isListItem(line.text) ? this.list(indent) : this.mapping(indent);
  }

  private mapping(indent: number): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    for (let line = this.next(); line && line.indent === indent && !isListItem(line.text); line = this.next()) {
      this.index++;
      const { key, rest } = this.splitKey(line);
      if (Object.hasOwn(result, key)) throw this.error(line.number, `the key "${key}" is given twice`);
      result[key] = this.valueAfterKey(rest, indent, line.number, true);
    }
    const stray = this.next();
    if (stray && stray.indent > indent) throw this.error(stray.number, "unexpected indentation");
    return result;
  }

  private list(indent: number): unknown[] {
    const result: unknown[] = [];
    for (let line = this.next(); line && line.indent === indent && isListItem(line.text); line = this.next()) {
      const item = line.text.slice(1).trimStart();
      if (item === "" || item.startsWith("#")) {
        this.index++;
        const nested = this.next();
        result.push(nested && nested.indent > indent ? this.block(nested.indent) : null);
      } else if (keyColon(item) >= 0 && !/^["'[{]/.test(item)) {
        // `- key: value`: a mapping whose keys line up with `key`.
        const itemIndent = indent + (line.text.length - item.length);
        this.lines[this.index] = { indent: itemIndent, text: item, number: line.number };
        result.push(this.mapping(itemIndent));
      } else {
        this.index++;
        result.push(this.inline(item, line.number));
      }
    }
    return result;
  }

  private valueAfterKey(rest: string, indent: number, number: number, allowSameIndentList: boolean): unknown {
    if (rest === "") {
      const nested = this.next();
      if (nested && nested.indent > indent) return this.block(nested.indent);
      // YAML lets a list under a key start at the key's own indentation.
      if (allowSameIndentList && nested && nested.indent === indent && isListItem(nested.text))
        return this.list(indent);
      return null;
    }
    if (/^[|>]/.test(rest)) return this.blockScalar(rest, indent, number);
    return this.inline(rest, number);
  }

  /** `|` keeps line breaks, `>` folds them into spaces; `-` drops the final newline, `+` keeps every one. */
  private blockScalar(header: string, indent: number, number: number): string {
    const match = /^([|>])([+-]?)\s*(#.*)?$/.exec(header);
    if (!match) throw this.error(number, `unsupported block scalar header "${header}"`);
    const [, style, chomp] = match;
    const body: string[] = [];
    let blockIndent: number | undefined;
    while (this.index < this.lines.length) {
      const line = this.lines[this.index];
      if (line.text === "") {
        body.push("");
        this.index++;
        continue;
      }
      blockIndent ??= line.indent;
      if (line.indent <= indent || line.indent < blockIndent) break;
      body.push(" ".repeat(line.indent - blockIndent) + line.text);
      this.index++;
    }
    while (body.length > 0 && body[body.length - 1] === "" && chomp !== "+") body.pop();
    const text =
      style === "|"
        ? body.join("\n")
        : body.reduce((out, line) => (out === "" ? line : `${out}${line === "" ? "\n" : " "}${line}`), "");
    return chomp === "-" ? text : `${text}\n`;
  }

  private splitKey(line: Line): { key: string; rest: string } {
    const colon = keyColon(line.text);
    if (colon < 0) throw this.error(line.number, `expected "key: value", found "${line.text.slice(0, 60)}"`);
    const rawKey = line.text.slice(0, colon).trim();
    const key = /^["']/.test(rawKey) ? this.quoted(rawKey, line.number) : rawKey;
    return { key, rest: stripComment(line.text.slice(colon + 1)).trim() };
  }

  /** A scalar, or a flow list or map, written on one line. */
  private inline(text: string, number: number): unknown {
    const value = stripComment(text).trim();
    if (value.startsWith("[") || value.startsWith("{")) {
      const close = value.startsWith("[") ? "]" : "}";
      if (!value.endsWith(close)) throw this.error(number, `unclosed "${value[0]}"`);
      const items = splitFlow(value.slice(1, -1)).filter((item) => item !== "");
      if (close === "]") return items.map((item) => this.inline(item, number));
      const map: Record<string, unknown> = {};
      for (const item of items) {
        const { key, rest } = this.splitKey({ indent: 0, text: item, number });
        map[key] = this.inline(rest, number);
      }
      return map;
    }
    if (/^["']/.test(value)) return this.quoted(value, number);
    if (/^[&*!|>@`%]/.test(value)) throw this.error(number, `unsupported YAML "${value.slice(0, 30)}" (quote it)`);
    return plainScalar(value);
  }

  private quoted(text: string, number: number): string {
    if (text.startsWith("'")) {
      if (!/^'(?:[^']|'')*'$/.test(text)) throw this.error(number, `unclosed or misquoted string ${text.slice(0, 40)}`);
      return text.slice(1, -1).replace(/''/g, "'");
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === "string") return parsed;
    } catch {
      // Reported below.
    }
    throw this.error(number, `unclosed or misquoted string ${text.slice(0, 40)}`);
  }

  private error(number: number, message: string): ConfigError {
    return new ConfigError(`${this.file}:${number}: frontmatter: ${message}`);
  }
}

function isListItem(text: string): boolean {
  return text === "-" || text.startsWith("- ");
}

/** Where the `:` that ends a key is (followed by a space or the end), outside quotes; -1 when there is none. */
function keyColon(text: string): number {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === "\\" && quote === '"') index++;
      else if (char === quote) quote = undefined;
    } else if ((char === '"' || char === "'") && index === 0) quote = char;
    else if (char === ":" && (index + 1 === text.length || text[index + 1] === " ")) return index;
    else if (char === "#" && index > 0 && text[index - 1] === " ") return -1;
  }
  return -1;
}

/** Drops a ` # comment` that is not inside quotes. */
function stripComment(text: string): string {
  let quote: string | undefined;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === "\\" && quote === '"') index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "#" && (index === 0 || /\s/.test(text[index - 1]))) return text.slice(0, index);
  }
  return text;
}

/** Splits a flow collection's inside on the commas that are not in quotes or nested brackets. */
function splitFlow(text: string): string[] {
  const items: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (quote) {
      if (char === "\\" && quote === '"') index++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === "[" || char === "{") depth++;
    else if (char === "]" || char === "}") depth--;
    else if (char === "," && depth === 0) {
      items.push(text.slice(start, index).trim());
      start = index + 1;
    }
  }
  items.push(text.slice(start).trim());
  return items;
}

function plainScalar(value: string): unknown {
  if (value === "" || value === "~" || value === "null" || value === "Null" || value === "NULL") return null;
  if (/^(true|True|TRUE)$/.test(value)) return true;
  if (/^(false|False|FALSE)$/.test(value)) return false;
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value)) return Number(value);
  return value;
}
