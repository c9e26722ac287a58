// Records one assistant message (one model step) as it streams. Everything is written before it is announced
// (DESIGN.md §3, Durability), streamed text included: the deltas that arrive in one tick of the event loop are
// collected, the parts they grew are written in one transaction, and only then are the deltas published, each as
// the model sent it, in order. So whatever text a client has seen is in the database, and survives a kill -9.
import type { AssistantMessage, Part, ReasoningPart, TextPart } from "../protocol/index.js";
import type { Store } from "../storage/store.js";
import type { EventBus } from "./bus.js";

export class StepRecorder {
  /** Deltas appended since the last flush, in arrival order. */
  private pending: { part: TextPart | ReasoningPart; delta: string }[] = [];
  private flushScheduled = false;

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

  /** Writes and announces a new or changed part, after any text still waiting (so no update overtakes a delta). */
  put(part: Part): void {
    this.flush();
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

  /**
   * Grows a part's text. Nothing is announced yet: the delta waits for the end of this tick, when flush writes and
   * then publishes it. process.nextTick, not setImmediate: the chunks one network read delivers are handed on
   * through promise jobs, and Node runs the tick queue only once those are drained, so they still share one write,
   * without waiting a turn of the event loop (which the first delta and every client's latency would pay).
   */
  appendText(part: TextPart | ReasoningPart, delta: string): void {
    part.text += delta;
    this.pending.push({ part, delta });
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    process.nextTick(() => {
      if (!this.flushScheduled) return;
      try {
        this.flush();
      } catch {
        // The text stays unannounced and pending; the step's next put or close writes it again and, if the store
        // still fails, fails the step where the turn handles errors (not as an uncaught exception here).
      }
    });
  }

  /** Writes the parts grown since the last flush in one transaction, then publishes their deltas. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    const parts = new Set(batch.map((entry) => entry.part));
    // Written first; on failure nothing was announced and the deltas stay pending.
    this.store.transaction(() => {
      for (const part of parts) this.store.putPart(part);
    });
    this.pending = [];
    for (const { part, delta } of batch) {
      this.bus.publish(
        "message.part.delta",
        { sessionID: part.sessionID, messageID: part.messageID, partID: part.id, field: "text", delta },
        this.scope,
      );
    }
  }

  /** Final state of the message: flushes text, clears the running mark, announces it. */
  close(update: Partial<AssistantMessage>): void {
    this.flush();
    this.info = { ...this.info, ...update };
    this.store.putMessage(this.info, false);
    this.bus.publish("message.updated", { sessionID: this.info.sessionID, info: this.info }, this.scope);
  }
}
