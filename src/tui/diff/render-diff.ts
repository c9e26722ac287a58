// A unified diff (what an edit's permission question and its finished tool call carry as `diff`) drawn for the
// terminal: added lines green with their new line number, removed lines red with their old one, context dim,
// hunks separated. Long diffs are cut to `maxLines`, saying how many lines were left out.
import { padEnd, style } from "../markdown/ansi.js";

export interface DiffStats {
  additions: number;
  deletions: number;
}

interface DiffRow {
  kind: "+" | "-" | " " | "@";
  number?: number;
  text: string;
}

function parse(patch: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const line of patch.split("\n")) {
    const hunk = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (hunk) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      if (rows.length > 0) rows.push({ kind: "@", text: "⋮" });
      inHunk = true;
      continue;
    }
    if (!inHunk || line === "\\ No newline at end of file") continue;
    const kind = line[0];
    if (kind === "+") rows.push({ kind, number: newLine++, text: line.slice(1) });
    else if (kind === "-") rows.push({ kind, number: oldLine++, text: line.slice(1) });
    else if (kind === " ") {
      rows.push({ kind, number: newLine, text: line.slice(1) });
      oldLine++;
      newLine++;
    }
  }
  return rows;
}

export function diffStats(patch: string): DiffStats {
  const rows = parse(patch);
  return {
    additions: rows.filter((row) => row.kind === "+").length,
    deletions: rows.filter((row) => row.kind === "-").length,
  };
}

/** The diff as styled lines; none when the patch has no hunks. */
export function renderDiff(patch: string, maxLines = 40): string[] {
  const rows = parse(patch);
  const digits = String(Math.max(0, ...rows.map((row) => row.number ?? 0))).length;
  const shown = rows.slice(0, maxLines).map((row) => {
    if (row.kind === "@") return style(`${" ".repeat(digits)} ⋮`, "gray");
    const number = padEnd(String(row.number).padStart(digits), digits);
    if (row.kind === "+") return `${style(number, "gray")} ${style(`+ ${row.text}`, "green")}`;
    if (row.kind === "-") return `${style(number, "gray")} ${style(`- ${row.text}`, "red")}`;
    return `${style(number, "gray")} ${style(`  ${row.text}`, "dim")}`;
  });
  if (rows.length > maxLines) shown.push(style(`… ${rows.length - maxLines} more lines`, "dim"));
  return shown;
}
