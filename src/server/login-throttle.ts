// Slows password guessing: failed logins are counted per client address; from the `threshold`-th failure within
// the window on, each failure locks the address out for a delay that doubles (capped), and an attempt made while
// locked out is answered 429 without its credentials being checked, so parallel guesses gain nothing. A success
// clears the address. Memory is bounded: the oldest tracked address is forgotten first.

export interface LoginThrottleOptions {
  /** Failures within the window before lockouts begin. */
  threshold?: number;
  /** The first lockout; each further failure doubles it. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Failures older than this (since the last one) are forgotten. */
  windowMs?: number;
  maxTracked?: number;
  now?: () => number;
}

interface AddressFailures {
  failures: number;
  lastFailure: number;
  lockedUntil: number;
}

export interface FailureVerdict {
  failures: number;
  /** How long the address is now locked out (0 while under the threshold). */
  lockoutMs: number;
}

export class LoginThrottle {
  private readonly records = new Map<string, AddressFailures>();
  private readonly threshold: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly windowMs: number;
  private readonly maxTracked: number;
  private readonly now: () => number;

  constructor(options: LoginThrottleOptions = {}) {
    this.threshold = options.threshold ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 60_000;
    this.windowMs = options.windowMs ?? 15 * 60_000;
    this.maxTracked = options.maxTracked ?? 10_000;
    this.now = options.now ?? (() => performance.now());
  }

  /** How long this address must still wait before an attempt of its is checked; 0 when it may try now. */
  lockedFor(address: string): number {
    const record = this.current(address);
    return record ? Math.max(0, Math.ceil(record.lockedUntil - this.now())) : 0;
  }

  failed(address: string): FailureVerdict {
    const now = this.now();
    const record = this.current(address) ?? { failures: 0, lastFailure: now, lockedUntil: 0 };
    record.failures += 1;
    record.lastFailure = now;
    const over = record.failures - this.threshold;
    const lockoutMs = over < 0 ? 0 : Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** Math.min(over, 30));
    record.lockedUntil = now + lockoutMs;
    // Re-inserted so the Map's order is the order of last failure: the first key is the stalest.
    this.records.delete(address);
    this.records.set(address, record);
    if (this.records.size > this.maxTracked) this.records.delete(this.records.keys().next().value as string);
    return { failures: record.failures, lockoutMs };
  }

  succeeded(address: string): void {
    this.records.delete(address);
  }

  private current(address: string): AddressFailures | undefined {
    const record = this.records.get(address);
    if (record && this.now() - record.lastFailure > this.windowMs && this.now() >= record.lockedUntil) {
      this.records.delete(address);
      return undefined;
    }
    return record;
  }
}
