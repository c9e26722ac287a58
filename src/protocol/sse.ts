// SSE framing shared by the server (writing) and the client library (reading). An event id is
// `<epoch>-<seq>`: the epoch names one server run, so a Last-Event-ID from before a restart is recognised as such.

export interface SseFrame {
  id?: string;
  event?: string;
  data: string;
  retry?: number;
}

export function formatSseFrame(frame: SseFrame): string {
  let out = "";
  if (frame.id !== undefined) out += `id: ${frame.id}\n`;
  if (frame.event !== undefined) out += `event: ${frame.event}\n`;
  if (frame.retry !== undefined) out += `retry: ${frame.retry}\n`;
  for (const line of frame.data.split("\n")) out += `data: ${line}\n`;
  return `${out}\n`;
}

/**
 * The response header naming the event id a message snapshot was taken at (`<epoch>-<seq>`): a client that opened
 * its event stream first applies only the events after it (src/server/message-snapshot.ts, src/client/join.ts).
 */
export const SNAPSHOT_HEADER = "x-moor-event-id";

export function formatEventId(epoch: string, seq: number): string {
  return `${epoch}-${seq}`;
}

export function parseEventId(id: string | undefined | null): { epoch: string; seq: number } | undefined {
  if (!id) return undefined;
  const dash = id.lastIndexOf("-");
  if (dash <= 0) return undefined;
  const seq = Number(id.slice(dash + 1));
  if (!Number.isInteger(seq) || seq < 0) return undefined;
  return { epoch: id.slice(0, dash), seq };
}

/** Incremental parser: feed it chunks of text, get complete frames back. */
export class SseParser {
  private buffer = "";

  push(chunk: string): SseFrame[] {
    this.buffer += chunk;
    const frames: SseFrame[] = [];
    for (;;) {
      const match = /\r?\n\r?\n/.exec(this.buffer);
      if (!match) break;
      const block = this.buffer.slice(0, match.index);
      this.buffer = this.buffer.slice(match.index + match[0].length);
      const frame = parseBlock(block);
      if (frame) frames.push(frame);
    }
    return frames;
  }
}

function parseBlock(block: string): SseFrame | undefined {
  const data: string[] = [];
  const frame: SseFrame = { data: "" };
  let sawData = false;
  for (const line of block.split(/\r?\n/)) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") {
      data.push(value);
      sawData = true;
    } else if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
    else if (field === "retry") frame.retry = Number(value);
  }
  if (!sawData) return undefined;
  frame.data = data.join("\n");
  return frame;
}
