// `moor run … | head -2`: when the reader of stdout (or stderr) goes away, the command ends quietly with exit 0, as
// `head` users expect, instead of dying on an unhandled EPIPE with a stack trace. A command that has something to
// wind down (an in-process turn to abort) registers how; otherwise the process exits at once.

let onClose: (() => void) | undefined;
let closed = false;

/** Runs `handler` (once) instead of exiting when an output closes; returns the unregistering function. */
export function whenOutputCloses(handler: () => void): () => void {
  onClose = handler;
  return () => {
    if (onClose === handler) onClose = undefined;
  };
}

export function guardClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (closed) return;
      closed = true;
      process.exitCode = error.code === "EPIPE" ? 0 : 1;
      // A reader that went away is not an error; stdout failing otherwise (a full disk under `> file`) is, and
      // stderr can still say so. When stderr is what failed, nothing can be said.
      if (error.code !== "EPIPE" && stream === process.stdout) {
        process.stderr.write(`moor: cannot write the output: ${error.code ?? error.message}\n`);
      }
      if (onClose) onClose();
      else process.exit();
    });
  }
}

/**
 * Waits one turn of the event loop: a failed write to stdout reports its error on a later tick, and a one-shot
 * command that exited at once would end with exit 0 and half its output written.
 */
export function outputErrorsReported(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
