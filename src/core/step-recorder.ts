// Records one assistant message (one model step) as it streams: every part is written to storage before its
// `message.part.updated` is published; streamed text is published as deltas at once and flushed to storage at
// most FLUSH_MS later and at part end (DESIGN.md §3, Durability).
import type { AssistantMessage, Part, ReasoningPart, TextPart } from "../protocol/index.js";
import type { Store } from "../storage/store.js";
import type { EventBus } from "./bus.js";

export const FLUSH_MS = 200;

export class StepRecorder {
  private readonly dirty = new Set<TextPart | ReasoningPart>();
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly scope: { directory: string; sessionID: string },
    public info: AssistantMessage,
    private readonly now: () => number,
  ) {}

  open(): void {
    this.store.putMessage(this.info, true);
    this.bus.publish("message.updated", { sessionID: this.info.sessionID, info: this.info }, this.scope);
  }

  /** Writes and announces a new or changed part. */
  put(part: Part): void {
    if (part.type === "text" || part.type === "reasoning") this.dirty.delete(part);
    this.store.putPart(part);
    // A copy: the live part keeps changing (text grows), and the replay ring must hold the part as it was when
    // announced, or a reconnecting client would get later text and then the deltas again.
    const snapshot: Part = part.type === "tool" ? { ...part, state: { ...part.state } } : { ...part };
    this.bus.publish(
      "message.part.updated",
      { sessionID: part.sessionID, part: snapshot, time: this.now() },
      this.scope,
    );
  }

  appendText(part: TextPart | ReasoningPart, delta: string): void {
    part.text += delta;
    this.bus.publish(
      "message.part.delta",
      { sessionID: part.sessionID, messageID: part.messageID, partID: part.id, field: "text", delta },
      this.scope,
    );
    this.dirty.add(part);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.dirty.size === 0) return;
    const parts = [...this.dirty];
    this.dirty.clear();
    this.store.transaction(() => {
      for (const part of parts) this.store.putPart(part);
    });
  }

  /** Final state of the message: flushes text, clears the running mark, announces it. */
  close(update: Partial<AssistantMessage>): void {
    this.flush();
    this.info = { ...this.info, ...update };
    this.store.putMessage(this.info, false);
    this.bus.publish("message.updated", { sessionID: this.info.sessionID, info: this.info }, this.scope);
  }
}
