// Commands without a log file (`moor run`, `moor acp`) report a failing event listener as one line on stderr
// (for acp, the editor's log): a bug made visible, not swallowed, and not a crash.
import type { BusEnvelope } from "../protocol/index.js";

export function listenerErrorToStderr(stderr: NodeJS.WritableStream) {
  return (error: unknown, envelope: BusEnvelope): void => {
    const message = error instanceof Error ? error.message : String(error);
    stderr.write(`moor: an event listener failed on ${envelope.event.type}: ${message}\n`);
  };
}
