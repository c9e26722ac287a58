// Webhook deliveries: a bounded queue, retried with exponential backoff, at least once. A delivery keeps its body
// (and so its `id`) from the first attempt to the last, so a receiver that answered late or twice can de-duplicate.
// With a file, the waiting deliveries survive a restart (their headers are not written: they are looked up again
// from the config when sent, since they may hold tokens).
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import type { RetrySettings } from "./settings.js";

export interface WebhookBody {
  id: string;
  type: string;
  sessionID?: string;
  url?: string;
  properties: unknown;
}

export interface Delivery {
  /** Where it goes. */
  target: string;
  /** The directory whose config names the target (its headers are read from there when sent). */
  directory: string;
  body: WebhookBody;
  attempts: number;
  firstAt: number;
  nextAt: number;
}

export interface NotifyLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface WebhookQueueOptions {
  retry: () => RetrySettings | undefined;
  limit: () => number | undefined;
  /** The headers configured for `target` in `directory` now (none for a one-off URL). */
  headers: (directory: string, target: string) => Record<string, string> | undefined;
  log: NotifyLog;
  now: () => number;
  /** Where waiting deliveries are kept across restarts; in memory only without it. */
  file?: string;
  fetch?: typeof fetch;
}

const DEFAULTS = { initialMs: 500, maxMs: 30_000, attempts: 10, maxAgeMs: 3_600_000, timeoutMs: 10_000 };
const DEFAULT_LIMIT = 1000;

export class WebhookQueue {
  private readonly waiting: Delivery[] = [];
  private readonly inFlight = new Set<Delivery>();
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: WebhookQueueOptions) {
    for (const delivery of this.load()) this.waiting.push(delivery);
    if (this.waiting.length > 0) this.schedule();
  }

  /** Deliveries not yet answered with a 2xx (waiting or being sent). */
  get pending(): number {
    return this.waiting.length + this.inFlight.size;
  }

  add(target: string, directory: string, body: WebhookBody): void {
    if (this.closed) return;
    const limit = Math.max(1, this.options.limit() ?? DEFAULT_LIMIT);
    while (this.waiting.length + this.inFlight.size >= limit && this.waiting.length > 0) {
      const dropped = this.waiting.shift() as Delivery;
      this.options.log.warn(
        `notify: queue full (${limit}); dropped the oldest delivery ${dropped.body.id} (${dropped.body.type}) to ${safeUrl(dropped.target)}`,
      );
    }
    const now = this.options.now();
    this.waiting.push({ target, directory, body, attempts: 0, firstAt: now, nextAt: now });
    this.save();
    this.schedule();
  }

  /** Resolves when nothing is waiting or being sent (tests; a shutdown that may wait). */
  drained(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops sending; what still waits stays in the file for the next start. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // What is being sent now is written as waiting: the next start sends it again (at least once).
    this.save();
    this.closed = true;
  }

  private retry() {
    return { ...DEFAULTS, ...stripUndefined(this.options.retry() ?? {}) };
  }

  private schedule(): void {
    if (this.closed) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiting.length === 0) return;
    const next = Math.min(...this.waiting.map((delivery) => delivery.nextAt));
    const wait = Math.max(0, next - this.options.now());
    this.timer = setTimeout(() => this.sendDue(), wait);
    // Waiting deliveries never keep a process alive on their own (they are in the file, when there is one).
    this.timer.unref();
  }

  private sendDue(): void {
    this.timer = undefined;
    const now = this.options.now();
    const due = this.waiting.filter((delivery) => delivery.nextAt <= now);
    for (const delivery of due) {
      this.waiting.splice(this.waiting.indexOf(delivery), 1);
      this.inFlight.add(delivery);
      void this.send(delivery).then((ok) => this.settle(delivery, ok));
    }
    this.schedule();
  }

  private async send(delivery: Delivery): Promise<boolean> {
    const retry = this.retry();
    delivery.attempts++;
    try {
      const response = await (this.options.fetch ?? fetch)(delivery.target, {
        method: "POST",
        headers: {
          ...(this.options.headers(delivery.directory, delivery.target) ?? {}),
          "content-type": "application/json",
        },
        body: JSON.stringify(delivery.body),
        signal: AbortSignal.timeout(retry.timeoutMs),
      });
      // The body is read so the connection can be reused; what it says does not matter.
      await response.arrayBuffer().catch(() => {});
      if (response.ok) return true;
      this.options.log.warn(
        `notify: ${safeUrl(delivery.target)} answered ${response.status} to ${delivery.body.id} (attempt ${delivery.attempts})`,
      );
    } catch (error) {
      this.options.log.warn(
        `notify: POST to ${safeUrl(delivery.target)} failed for ${delivery.body.id} (attempt ${delivery.attempts}): ${(error as Error).message}`,
      );
    }
    return false;
  }

  private settle(delivery: Delivery, ok: boolean): void {
    this.inFlight.delete(delivery);
    // After close the file belongs to the next process: nothing more is written.
    if (this.closed) return;
    if (!ok) {
      const retry = this.retry();
      const now = this.options.now();
      if (delivery.attempts >= retry.attempts || now - delivery.firstAt >= retry.maxAgeMs) {
        this.options.log.warn(
          `notify: gave up on ${delivery.body.id} (${delivery.body.type}) to ${safeUrl(delivery.target)} after ${delivery.attempts} attempts`,
        );
      } else {
        delivery.nextAt = now + Math.min(retry.initialMs * 2 ** (delivery.attempts - 1), retry.maxMs);
        this.waiting.push(delivery);
      }
    }
    this.save();
    this.schedule();
    if (this.pending === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private load(): Delivery[] {
    if (!this.options.file) return [];
    try {
      const saved = JSON.parse(readFileSync(this.options.file, "utf8")) as Delivery[];
      if (!Array.isArray(saved)) return [];
      const now = this.options.now();
      return saved
        .filter(
          (delivery) => typeof delivery?.target === "string" && delivery.body && typeof delivery.body.id === "string",
        )
        .map((delivery) => ({ ...delivery, nextAt: Math.min(delivery.nextAt ?? now, now) }));
    } catch {
      return [];
    }
  }

  private save(): void {
    const file = this.options.file;
    if (!file || this.closed) return;
    try {
      const all = [...this.inFlight, ...this.waiting];
      if (all.length === 0) {
        rmSync(file, { force: true });
        return;
      }
      const temporary = `${file}.${process.pid}.tmp`;
      writeFileSync(temporary, JSON.stringify(all), { mode: 0o600 });
      renameSync(temporary, file);
    } catch (error) {
      this.options.log.warn(`notify: could not keep the waiting deliveries in ${file}: ${(error as Error).message}`);
    }
  }
}

/** A URL for a log line: no user info or query (either may carry a token). */
export function safeUrl(target: string): string {
  try {
    const url = new URL(target);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
