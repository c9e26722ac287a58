// Event half of the client: one SSE stream that reconnects with backoff and resumes with Last-Event-ID, so the
// caller sees every event once, in order; when the server cannot replay (`server.resync`, e.g. after a restart) the
// caller is told to refetch its state.
import type { MoorEvent } from "../protocol/event.js";
import { SseParser } from "../protocol/sse.js";
import { baseHeaders, type ClientOptions, withAuthToken, withSlash } from "./http.js";

export type ConnectionState = "connecting" | "open" | "reconnecting" | "closed";

export interface EventStreamOptions {
  /** `/event` (bare events, filtered by directory) or `/global/event`. */
  path?: string;
  onEvent(event: MoorEvent, id: string | undefined): void;
  onState?(state: ConnectionState, detail?: string): void;
  /** The server could not replay what was missed: refetch state. */
  onResync?(reason: string): void;
  /** Reconnect backoff: first delay, doubled up to maxDelayMs. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Resume from this event id (e.g. persisted by a previous run). */
  lastEventId?: string;
}

export class EventStream {
  private controller = new AbortController();
  private lastEventId: string | undefined;
  private stopped = false;
  readonly done: Promise<void>;

  constructor(
    private readonly client: ClientOptions,
    private readonly options: EventStreamOptions,
  ) {
    this.lastEventId = options.lastEventId;
    this.done = this.loop();
  }

  get lastId(): string | undefined {
    return this.lastEventId;
  }

  close(): void {
    this.stopped = true;
    this.controller.abort();
  }

  private async loop(): Promise<void> {
    let delay = this.options.initialDelayMs ?? 250;
    const maxDelay = this.options.maxDelayMs ?? 5000;
    let first = true;
    while (!this.stopped) {
      this.options.onState?.(first ? "connecting" : "reconnecting");
      first = false;
      const opened = await this.connectOnce().catch((error: Error) => {
        if (!this.stopped) this.options.onState?.("reconnecting", error.message);
        return false;
      });
      if (this.stopped) break;
      if (opened) delay = this.options.initialDelayMs ?? 250;
      await sleep(delay, this.controller.signal);
      delay = Math.min(delay * 2, maxDelay);
    }
    this.options.onState?.("closed");
  }

  /** One connection; resolves true when it had opened (so the backoff restarts), throws when it never did. */
  private async connectOnce(): Promise<boolean> {
    const url = new URL((this.options.path ?? "event").replace(/^\//, ""), withSlash(this.client.baseUrl));
    if (this.client.directory) url.searchParams.set("directory", this.client.directory);
    withAuthToken(this.client, url);
    const headers: Record<string, string> = { ...baseHeaders(this.client), accept: "text/event-stream" };
    if (this.lastEventId) headers["last-event-id"] = this.lastEventId;
    this.controller = new AbortController();
    const response = await (this.client.fetch ?? fetch)(url, { headers, signal: this.controller.signal });
    if (!response.ok || !response.body) {
      throw new Error(response.status === 401 ? "wrong or missing password" : `HTTP ${response.status}`);
    }
    this.options.onState?.("open");
    const parser = new SseParser();
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        for (const frame of parser.push(decoder.decode(chunk, { stream: true }))) {
          if (frame.id) this.lastEventId = frame.id;
          let event: MoorEvent;
          try {
            event = JSON.parse(frame.data) as MoorEvent;
          } catch {
            continue;
          }
          if (event.type === "server.resync") this.options.onResync?.(event.properties.reason);
          this.options.onEvent(event, frame.id);
        }
      }
    } catch (error) {
      if (this.stopped) return true;
      this.options.onState?.("reconnecting", (error as Error).message);
    }
    return true;
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
