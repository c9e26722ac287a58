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
      // Nothing can be said about it: the output is what failed.
      process.exitCode = error.code === "EPIPE" ? 0 : 1;
      if (onClose) onClose();
      else process.exit();
    });
  }
}
