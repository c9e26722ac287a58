// Titles written by a model (issue 14 §5): after a session's first prompt, `small_model` (else the session's own
// model) is asked for a short title in the background. The turn never waits for it: the prompt's first line is the
// title at once, and the model's title replaces it when it arrives (session.updated). A failure is reported to
// `onError` (cli: the log), never as a session error, and the first line stays. The request stores no message,
// carries no tools and is no turn: the session's status does not change for it.
import type { StartQueue } from "../start-queue.js";
import type { ResolvedModel } from "../turn/types.js";
import { cleanTitle } from "./clean-title.js";
import { titlePrompt } from "./title-prompt.js";

export interface TitleOptions {
  /**
   * The model that writes titles for sessions in `directory` (cli: the config's `small_model`); undefined when none
   * is configured, and the session's own model writes them. Its failure is reported and the session's model used.
   */
  smallModel?(directory: string): Promise<ResolvedModel | undefined>;
  /** A title that could not be written (the first-line title stays). */
  onError?(error: unknown, sessionID: string): void;
  /** How long a title may take before it is given up (default 60 s). */
  timeoutMs?: number;
}

export interface TitleJob {
  sessionID: string;
  directory: string;
  /** The first prompt's text. */
  text: string;
  /** The model of the session's turn, used when there is no small model. */
  model: ResolvedModel;
  /**
   * Puts the title on the session unless it changed since the job started (the user renamed it): the caller
   * compares and writes in one step.
   */
  apply(title: string): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 60_000;

export class TitleWriter {
  private readonly running = new Map<Promise<void>, AbortController>();

  /** `starts`: the session service's, so a title's request waits behind prompts and turns starting at once. */
  constructor(
    private readonly options: TitleOptions,
    private readonly starts?: StartQueue,
  ) {}

  /** Starts writing a title; returns at once. */
  start(job: TitleJob): void {
    const controller = new AbortController();
    const done = this.write(job, controller.signal)
      .catch((error: unknown) => {
        // Given up at shutdown: nothing went wrong with the title.
        if (!controller.signal.aborted) this.options.onError?.(error, job.sessionID);
      })
      .finally(() => this.running.delete(done));
    this.running.set(done, controller);
  }

  /** Resolves once every title being written now has arrived or failed. */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.keys());
  }

  /** Gives up the titles being written (the process is stopping); resolves when they have stopped. */
  async shutdown(): Promise<void> {
    for (const controller of this.running.values()) controller.abort(new Error("The server is stopping."));
    await this.settled();
  }

  private async write(job: TitleJob, stop: AbortSignal): Promise<void> {
    await this.starts?.next("title");
    const model = (await this.smallModel(job)) ?? job.model;
    const signal = AbortSignal.any([stop, AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS)]);
    const { stream } = await model.model.doStream({ prompt: titlePrompt(job.text), abortSignal: signal });
    let answer = "";
    const reader = stream.getReader();
    let finished = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        // Text only: reasoning is not the title, and a tool call is never run (the request offers no tools).
        if (value.type === "text-delta") answer += value.delta;
        else if (value.type === "error") throw value.error;
      }
      finished = true;
    } finally {
      if (!finished) reader.cancel().catch(() => {});
    }
    signal.throwIfAborted();
    const title = cleanTitle(answer);
    if (!title) throw new Error(`the title model (${model.providerID}/${model.modelID}) answered no title`);
    await job.apply(title);
  }

  private async smallModel(job: TitleJob): Promise<ResolvedModel | undefined> {
    if (!this.options.smallModel) return undefined;
    try {
      return await this.options.smallModel(job.directory);
    } catch (error) {
      // A small model that cannot be built (a typo in small_model) is reported; the title is still written.
      this.options.onError?.(error, job.sessionID);
      return undefined;
    }
  }
}
