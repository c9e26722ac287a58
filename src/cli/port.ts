// A TCP port as typed after --port. Number() alone reads "" and "  " as 0 (a random port) and "0x50" or "8e3" as
// other ports than the user wrote, so only plain decimal digits are a port.
import { UsageError } from "./output.js";

export function parsePort(text: string, flag = "--port"): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  // An empty value is shown quoted, so the line does not end in a bare colon.
  if (!(port <= 65535)) throw new UsageError(`invalid ${flag}: ${text.trim() ? text : JSON.stringify(text)}`);
  return port;
}
