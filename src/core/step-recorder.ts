// Records one assistant message (one model step) as it streams. Everything is written before it is announced
// (DESIGN.md §3, Durability), streamed text included: the deltas that arrive in one tick of the event loop are
// collected, the parts they grew are written in one commit, and that commit announces the deltas, each as the model
// sent it, in order. So whatever text a client has seen is in the database, and survives a kill -9.
//
// The stream is not held up by its writes: each write is a commit started at once (the store applies one caller's
// commits in order), and a failed one fails the step at its next write, or at `settled()`.
import type { AssistantMessage, Part, ReasoningPart, TextPart } from "../protocol/index.js";
import type { EventScope, Store } from "../storage/port.js";

export class StepRecorder {
  /** Deltas appended since the last flush, in arrival order. */
  private pending: { part: TextPart | ReasoningPart; delta: string }[] = [];
  private flushScheduled = false;
  /** The last commit started; the ones before it are applied first. */
  private written: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | undefined;
  /** Each part as this recorder last wrote it, by id: the message's parts once every write is stored. */
  private readonly latest = new Map<string, Part>();

  constructor(
    private readonly store: Store,
    private readonly scope: EventScope & { sessionID: string },
    public info: AssistantMessage,
    private readonly now: () => number,
  ) {}

  open(): void {
    const info = this.info;
    this.write((tx) => {
      tx.putMessage(info, true);
      tx.emit("message.updated", { sessionID: info.sessionID, info });
    });
  }

  /** Writes and announces a new or changed part, after any text still waiting (so no update overtakes a delta). */
  put(part: Part): void {
    this.flush();
    // A copy: the live part keeps changing (text grows), and both the write and the replay ring must hold the part
    // as it is now, or a reconnecting client would get later text and then the deltas again.
    const snapshot: Part = part.type === "tool" ? { ...part, state: { ...part.state } } : { ...part };
    const time = this.now();
    this.latest.set(snapshot.id, snapshot);
    this.write((tx) => {
      tx.putPart(snapshot);
      tx.emit("message.part.updated", { sessionID: snapshot.sessionID, part: snapshot, time });
    });
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
        // Recorded as the step's failure; the step's next write or settled() reports it where the turn handles it.
      }
    });
  }

  /** Writes the parts grown since the last flush in one commit, which announces their deltas. */
  flush(): void {
    this.flushScheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const parts = [...new Set(batch.map((entry) => entry.part))].map((part) => ({ ...part }));
    for (const part of parts) this.latest.set(part.id, part);
    this.write((tx) => {
      for (const part of parts) tx.putPart(part);
      for (const { part, delta } of batch) {
        tx.emit("message.part.delta", {
          sessionID: part.sessionID,
          messageID: part.messageID,
          partID: part.id,
          field: "text",
          delta,
        });
      }
    });
  }

  /** Final state of the message: flushes text, clears the running mark, announces it; resolves once written. */
  async close(update: Partial<AssistantMessage>): Promise<void> {
    this.flush();
    this.info = { ...this.info, ...update };
    const info = this.info;
    this.write((tx) => {
      tx.putMessage(info, false);
      tx.emit("message.updated", { sessionID: info.sessionID, info });
    });
    await this.settled();
  }

  /**
   * The message's parts in id order, as stored, without reading them back: once close() resolved, every part this
   * recorder wrote is stored as written, and nothing else writes a step's parts while it runs (edits of a busy
   * session's messages are refused, core/message-edits.ts).
   */
  storedParts(): Part[] {
    // Copies, as a read would give: the snapshots written are also the events' (the replay ring keeps them).
    return [...this.latest.values()]
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map((part) => structuredClone(part));
  }

  /** Resolves when every write started so far is stored; rejects with the first that failed. */
  async settled(): Promise<void> {
    await this.written;
    if (this.failure) throw this.failure.error;
  }

  private write(build: Parameters<Store["commit"]>[1]): void {
    if (this.failure) throw this.failure.error;
    this.written = this.store.commit(this.scope, build).then(
      () => {},
      (error: unknown) => {
        this.failure ??= { error };
      },
    );
  }
}
