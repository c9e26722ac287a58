// How the CLI talks to people: errors are one line on stderr and a non-zero exit, never a stack trace.

/** A mistake in how moor was called, or a condition the user must fix; printed as is. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The message on one line, its control characters shown as spaces: a message may quote what a file or a server
 * said (an id from an imported export, a provider's error), and an escape sequence in it would be run by the terminal.
 */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n").filter(Boolean).join("; ");
  return line.replace(/[\u0000-\u001f\u007f-\u009f]/g, " ") || "unknown error";
}

export function fail(error: unknown): void {
  const exitCode = error instanceof UsageError ? error.exitCode : 1;
  process.stderr.write(`moor: ${oneLine(error)}\n`);
  if (process.env.MOOR_DEBUG && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
  process.exitCode = exitCode;
}
