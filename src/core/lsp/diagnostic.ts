// LSP diagnostics as the model reads them after an edit (OpenCode's text, so a prompt tuned for it reads the same).

export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export interface Diagnostic {
  range: Range;
  /** 1 error, 2 warning, 3 information, 4 hint. */
  severity?: number;
  message: string;
  source?: string;
  code?: string | number;
}

const SEVERITY: Record<number, string> = { 1: "ERROR", 2: "WARN", 3: "INFO", 4: "HINT" };

/** At most this many errors of one file reach the model; the rest are counted. */
export const MAX_DIAGNOSTICS_PER_FILE = 20;

/** `ERROR [line:col] message`, 1-based as editors show it. */
export function prettyDiagnostic(diagnostic: Diagnostic): string {
  const severity = SEVERITY[diagnostic.severity ?? 1] ?? "ERROR";
  const { line, character } = diagnostic.range.start;
  return `${severity} [${line + 1}:${character + 1}] ${diagnostic.message}`;
}

/** The block appended to an edit/write result when the file has errors (severity 1); empty when it has none. */
export function errorsReport(file: string, diagnostics: readonly Diagnostic[]): string {
  const errors = diagnostics.filter((diagnostic) => (diagnostic.severity ?? 1) === 1);
  if (errors.length === 0) return "";
  const shown = errors.slice(0, MAX_DIAGNOSTICS_PER_FILE).map(prettyDiagnostic);
  const more =
    errors.length > MAX_DIAGNOSTICS_PER_FILE ? `\n... and ${errors.length - MAX_DIAGNOSTICS_PER_FILE} more` : "";
  return `\n\nLSP errors detected in this file, please fix:\n<diagnostics file="${file}">\n${shown.join("\n")}${more}\n</diagnostics>`;
}
