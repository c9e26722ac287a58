// ANSI styling for text the terminal UI draws itself (markdown, diffs): SGR codes, and the width a styled string
// takes on screen. Ink measures and wraps strings with SGR codes in them, so what is built here can be given to <Text>.

const ESC = "\u001b[";
const SGR = /\u001b\[[0-9;]*m/g;

export type Style =
  | "bold"
  | "dim"
  | "italic"
  | "underline"
  | "strikethrough"
  | "inverse"
  | "red"
  | "green"
  | "yellow"
  | "blue"
  | "magenta"
  | "cyan"
  | "gray"
  | "brightBlue"
  | "brightMagenta"
  | "brightGreen"
  | "brightYellow"
  | "brightCyan";

const CODES: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  italic: [3, 23],
  underline: [4, 24],
  strikethrough: [9, 29],
  inverse: [7, 27],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
  brightBlue: [94, 39],
  brightMagenta: [95, 39],
  brightGreen: [92, 39],
  brightYellow: [93, 39],
  brightCyan: [96, 39],
};

/**
 * `text` in the given styles. A nested style's closing code would end an outer one of the same kind (bold inside
 * bold, a colour inside a colour): the outer opening is re-applied after each inner close.
 */
export function style(text: string, ...styles: Style[]): string {
  let out = text;
  for (const name of styles) {
    const [open, close] = CODES[name];
    const reopen = `${ESC}${close}m`;
    out = `${ESC}${open}m${out.split(reopen).join(`${reopen}${ESC}${open}m`)}${reopen}`;
  }
  return out;
}

export function stripAnsi(text: string): string {
  return text.replace(SGR, "");
}

/** Columns a string takes: wide (CJK, most emoji) characters count two; combining marks none. */
export function visibleWidth(text: string): number {
  let width = 0;
  for (const char of stripAnsi(text)) {
    const code = char.codePointAt(0) ?? 0;
    if (/\p{Mark}/u.test(char) || code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) continue;
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** `text` padded with spaces to `width` columns (as drawn). */
export function padEnd(text: string, width: number): string {
  return text + " ".repeat(Math.max(0, width - visibleWidth(text)));
}

/**
 * Word-wraps one styled line to `width` columns. Styles stay as written (Ink carries them across the line
 * breaks it draws); a word longer than the width is cut.
 */
export function wrapLine(line: string, width: number): string[] {
  if (width <= 0 || visibleWidth(line) <= width) return [line];
  const pieces = line.split(/(\u001b\[[0-9;]*m|\s+)/).filter((piece) => piece !== "");
  const lines: string[] = [];
  // The styles open where a line breaks are closed at its end and opened again on the next line, so each drawn
  // line stands alone (an indent added before it is not coloured by the line above).
  let active: string[] = [];
  let current = "";
  let currentWidth = 0;
  const breakLine = (text: string) => lines.push(active.length > 0 ? `${text}${ESC}0m` : text);
  for (const piece of pieces) {
    if (piece.startsWith("\u001b[")) {
      current += piece;
      active = track(active, piece);
      continue;
    }
    const pieceWidth = visibleWidth(piece);
    const blank = /^\s+$/.test(piece);
    if (currentWidth + pieceWidth <= width) {
      current += piece;
      currentWidth += pieceWidth;
      continue;
    }
    if (blank) {
      breakLine(current);
      current = active.join("");
      currentWidth = 0;
      continue;
    }
    if (currentWidth > 0) {
      breakLine(current);
      current = active.join("");
    }
    currentWidth = 0;
    let rest = piece;
    while (visibleWidth(rest) > width) {
      const chars = [...rest];
      let cut = 0;
      let used = 0;
      while (cut < chars.length && used + visibleWidth(chars[cut]) <= width) used += visibleWidth(chars[cut++]);
      breakLine(current + chars.slice(0, Math.max(1, cut)).join(""));
      current = active.join("");
      rest = chars.slice(Math.max(1, cut)).join("");
    }
    current += rest;
    currentWidth = visibleWidth(rest);
  }
  if (current !== "" || lines.length === 0) lines.push(current);
  return lines;
}

/** Which SGR codes remain open after `code`: a close code ends the opens it pairs with. */
function track(active: string[], code: string): string[] {
  const n = Number(code.slice(2, -1) || "0");
  if (n === 0) return [];
  const closes = Object.values(CODES).filter(([, close]) => close === n);
  if (closes.length === 0) return [...active, code];
  const ended = new Set(closes.map(([open]) => `${ESC}${open}m`));
  return active.filter((open) => !ended.has(open));
}
