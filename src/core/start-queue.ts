// One start per turn of the event loop. Taking a prompt in (its user message stored and announced), starting a turn
// (its first step's context built and the request sent) and asking for a title each cost the server a slice of CPU.
// A burst of prompt_async requests (100 sessions prompted at once) used to run all of them back to back, while the
// deltas of the turns already streaming waited behind them: the fan-out's p99 was 200+ ms. Each start now waits for
// its own loop turn (setImmediate: after the I/O that arrived meanwhile, model chunks included, has been handled), a
// turn's start before a prompt's intake (work already taken in finishes first) and a title last (nobody waits on
// it). A lone prompt waits one loop turn: microseconds.

export type StartKind = "turn" | "prompt" | "title";

/** Kinds in the order they are released. */
const ORDER: readonly StartKind[] = ["turn", "prompt", "title"];

export class StartQueue {
  private readonly waiting: Record<StartKind, (() => void)[]> = { turn: [], prompt: [], title: [] };
  private scheduled = false;

  /** Resolves in a loop turn of its own, once the starts before it (and of kinds released first) have gone. */
  next(kind: StartKind): Promise<void> {
    return new Promise((resolve) => {
      this.waiting[kind].push(resolve);
      this.schedule();
    });
  }

  /** How many starts are waiting (tests). */
  get pending(): number {
    return ORDER.reduce((sum, kind) => sum + this.waiting[kind].length, 0);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(this.release);
  }

  private readonly release = (): void => {
    this.scheduled = false;
    const kind = ORDER.find((each) => this.waiting[each].length > 0);
    if (!kind) return;
    (this.waiting[kind].shift() as () => void)();
    if (this.pending > 0) this.schedule();
  };
}
