// What GET /session/:id/message answers: the stored messages as of one event sequence number, named in the
// `x-moor-event-id` header (the SSE id format, `<epoch>-<seq>`). A client that opened its event stream first
// loads the snapshot, then applies only the events after that id: nothing is missed and nothing applied twice
// (src/client/join.ts). A header, not a field: OpenCode's clients read the same body and never see it.
//
// The promise behind the header: the body reflects every event up to and including `seq`, and none after. Two
// things make that hold.
// - The store is synchronous (better-sqlite3) and the bus publishes synchronously, so reading the rows and
//   `bus.lastSeq` in one handler, with no await between, sees one instant: no event can be published in between.
// - Streamed text need not be in the store yet when its delta is announced (text is flushed to storage a tick or
//   a timer later), nor announced yet when it is stored (a batch written, then published). Either way the stored
//   text of a part that is still streaming can differ from what the events up to `seq` say. So the server keeps
//   the text the events announced for every part still streaming (its last `message.part.updated` plus the
//   deltas after it) and answers with that text instead of the stored one. Once a part ends (its update carries
//   `time.end`, written before it is announced), its message completes or the session goes idle, the stored text
//   is the announced text and the entry is dropped: the map holds only the parts of turns running right now.
import type { EventBus } from "../core/bus.js";
import { formatEventId, type MessageWithParts } from "../protocol/index.js";

interface Streaming {
  messageID: string;
  sessionID: string;
  text: string;
}

export class AnnouncedText {
  private readonly streaming = new Map<string, Streaming>();

  constructor(private readonly bus: EventBus) {
    bus.subscribe(({ event }) => {
      switch (event.type) {
        case "message.part.updated": {
          const { part } = event.properties;
          if (part.type !== "text" && part.type !== "reasoning") return;
          if (part.time?.end !== undefined) this.streaming.delete(part.id);
          else this.streaming.set(part.id, { messageID: part.messageID, sessionID: part.sessionID, text: part.text });
          return;
        }
        case "message.part.delta": {
          const entry = this.streaming.get(event.properties.partID);
          if (entry) entry.text += event.properties.delta;
          return;
        }
        case "message.updated": {
          const { info } = event.properties;
          if (info.role === "assistant" && info.time.completed !== undefined)
            this.drop((entry) => entry.messageID === info.id);
          return;
        }
        case "message.removed":
          this.drop((entry) => entry.messageID === event.properties.messageID);
          return;
        // The turn is over (its messages completed, their text flushed). A user message's text parts, which
        // carry no end time, go here too.
        case "session.idle":
          this.drop((entry) => entry.sessionID === event.properties.sessionID);
          return;
        case "session.deleted":
          this.drop((entry) => entry.sessionID === event.properties.info.id);
          return;
      }
    });
  }

  /** The event id the snapshot is taken at; read it in the same synchronous step as the rows. */
  position(): string {
    return formatEventId(this.bus.epoch, this.bus.lastSeq);
  }

  /** The messages with every streaming part's text as announced so far (copies; the input is not changed). */
  overlay(messages: MessageWithParts[]): MessageWithParts[] {
    if (this.streaming.size === 0) return messages;
    return messages.map((message) => {
      if (!message.parts.some((part) => this.streaming.has(part.id))) return message;
      return {
        ...message,
        parts: message.parts.map((part) => {
          const entry = this.streaming.get(part.id);
          return entry && (part.type === "text" || part.type === "reasoning") ? { ...part, text: entry.text } : part;
        }),
      };
    });
  }

  private drop(match: (entry: Streaming) => boolean): void {
    for (const [id, entry] of this.streaming) if (match(entry)) this.streaming.delete(id);
  }
}
