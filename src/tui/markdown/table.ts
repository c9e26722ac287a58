// A markdown table drawn in box characters, its columns sized to their content and shrunk to fit the width
// (cells then wrap inside their column).
import { padEnd, visibleWidth, wrapLine } from "./ansi.js";

type Align = "center" | "left" | "right" | null;

export function boxedTable(header: string[], rows: string[][], align: Align[], width: number): string[] {
  const columns = header.length;
  const all = [header, ...rows].map((row) => Array.from({ length: columns }, (_, i) => row[i] ?? ""));
  const natural = Array.from({ length: columns }, (_, i) =>
    Math.max(1, ...all.map((row) => Math.max(...row[i].split("\n").map(visibleWidth)))),
  );
  const widths = fitColumns(natural, width - (3 * columns + 1));
  const line = (left: string, middle: string, right: string) =>
    `${left}${widths.map((w) => "─".repeat(w + 2)).join(middle)}${right}`;
  const out = [line("┌", "┬", "┐")];
  all.forEach((row, index) => {
    out.push(...drawRow(row, widths, align));
    if (index === 0) out.push(line("├", "┼", "┤"));
  });
  out.push(line("└", "┴", "┘"));
  return out;
}

/** Shrinks the widest columns first until the total fits (never below 3 columns each). */
function fitColumns(natural: number[], available: number): number[] {
  const widths = [...natural];
  let total = widths.reduce((sum, w) => sum + w, 0);
  while (total > available) {
    const widest = widths.indexOf(Math.max(...widths));
    if (widths[widest] <= 3) break;
    widths[widest]--;
    total--;
  }
  return widths;
}

function drawRow(row: string[], widths: number[], align: Align[]): string[] {
  const cells = row.map((cell, i) => cell.split("\n").flatMap((line) => wrapLine(line, widths[i])));
  const height = Math.max(...cells.map((lines) => lines.length));
  const out: string[] = [];
  for (let y = 0; y < height; y++) {
    const parts = cells.map((lines, i) => ` ${aligned(lines[y] ?? "", widths[i], align[i])} `);
    out.push(`│${parts.join("│")}│`);
  }
  return out;
}

function aligned(text: string, width: number, align: Align): string {
  const gap = Math.max(0, width - visibleWidth(text));
  if (align === "right") return " ".repeat(gap) + text;
  if (align === "center") return " ".repeat(Math.floor(gap / 2)) + padEnd(text, width - Math.floor(gap / 2));
  return padEnd(text, width);
}
