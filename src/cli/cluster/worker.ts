// A worker of a cluster (issue 20 §2; `moor serve --role worker`): runs the turns of sessions in the directories it
// serves, one worker per session at a time, under the session's lease.
//
// * New work: an API node puts a command in the session's inbox and NOTIFYs its owner, or every worker when the
//   session has none: those serving the directory race to acquire the lease, one wins and takes the inbox's items in
//   order (a poll catches lost notifications).
// * While it holds a session it renews the lease every lease/3 (storage/lease-keeper.ts), and releases it when the
//   session goes idle with nothing left in its inbox, so a later crash of this worker leaves no lease to lapse.
// * Takeover: a lease that lapsed (its worker died, or hangs) is acquired by another worker at epoch + 1, which marks
//   the steps still marked running as interrupted and resumes the turn; the inbox items the old owner took and never
//   finished are finished with the resumed turn's result, so an API node waiting on a sync prompt gets its answer.
// * Fencing: every write of this worker's core goes through lease-fenced-store.ts; a worker that lost a lease (it
//   was paused past the lease time) is refused on its next write, stops the turn, and writes nothing more.
import type { Core } from "../../core/index.js";
import { markInterruptedSession } from "../../core/recovery.js";
import { ownerError } from "../../core/remote-owner.js";
import type { PromptResult, StoredTurnState } from "../../core/session.js";
import type { OwnerResult, RemoteTurnResult } from "../../protocol/index.js";
import { keepLease, type LeaseKeeper } from "../../storage/lease-keeper.js";
import { FencedError, type LeaseFence } from "../../storage/port.js";
import type { InboxItem, InboxTake } from "../../storage/postgres-inbox.js";
import type { PostgresStore } from "../../storage/postgres-store.js";
import type { LeaseBook } from "./lease-fenced-store.js";

export interface ClusterWorkerOptions {
  store: PostgresStore;
  core: Core;
  book: LeaseBook;
  workerID: string;
  host: string;
  directories: string[];
  leaseMs: number;
  /** How often every worker deletes the inbox items finished more than keepFinishedMs ago (cluster-settings.ts). */
  inboxSweepMs: number;
  keepFinishedMs: number;
  now: () => number;
  log: { info(message: string): void; warn(message: string): void };
}

/** The longest an idle session's lease is kept for a next prompt. */
const IDLE_GRACE_MS = 1000;

/** Kinds whose result is a turn's end (finished by a resumed turn after a takeover). */
const TURN_KINDS = new Set(["turn", "prompt", "resume", "command", "shell", "summarize"]);

export class ClusterWorker {
  private readonly held = new Map<string, LeaseKeeper>();
  private readonly claiming = new Set<string>();
  /** Each held session's inbox is taken and acted on one batch at a time, in order. */
  private readonly draining = new Map<string, Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Sessions idle here whose lease is released when their grace ends (releaseSoon). */
  private readonly graces = new Map<string, NodeJS.Timeout>();
  private unwatch: (() => void) | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;
  private scanning = false;

  constructor(private readonly options: ClusterWorkerOptions) {}

  private get leases() {
    return this.options.store.leases;
  }

  private get inbox() {
    return this.options.store.inbox;
  }

  async start(): Promise<void> {
    const { workerID, host, directories, leaseMs } = this.options;
    await this.leases.register({ id: workerID, host, pid: process.pid, directories });
    this.every(Math.max(50, Math.floor(leaseMs / 3)), async () => {
      // Removed meanwhile (an operator's cleanup): registered again, or no API node counts this worker.
      if (!(await this.leases.heartbeat(workerID))) {
        await this.leases.register({ id: workerID, host, pid: process.pid, directories });
      }
    });
    this.unwatch = await this.inbox.watch(workerID, (sessionID) => void this.wake(sessionID));
    this.unsubscribe = this.options.core.bus.subscribe(({ event }) => {
      if (event.type === "session.idle") this.releaseSoon(event.properties.sessionID);
    });
    this.every(Math.max(50, Math.min(500, Math.floor(leaseMs / 3))), () => this.scan());
    this.every(this.options.inboxSweepMs, async () => {
      await this.inbox.sweep(this.options.keepFinishedMs);
    });
    await this.scan();
  }

  /** Stops taking work; idle sessions' leases are released, busy ones lapse and are taken over by another worker. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const timer of this.graces.values()) clearTimeout(timer);
    this.unwatch?.();
    this.unsubscribe?.();
    const releases: Promise<void>[] = [];
    for (const [sessionID, keeper] of this.held) {
      if (!this.options.core.sessions.hasWork(sessionID)) releases.push(keeper.release().catch(() => {}));
    }
    await Promise.all(releases);
  }

  /** Sessions this worker holds now. */
  holding(): string[] {
    return [...this.held.keys()];
  }

  private every(ms: number, work: () => Promise<void>): void {
    const timer = setInterval(() => {
      if (!this.stopped) work().catch((error) => this.options.log.warn(`cluster worker: ${describe(error)}`));
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  /** Work the notifications may have missed: items for held sessions, unowned sessions, lapsed leases. */
  private async scan(): Promise<void> {
    if (this.scanning || this.stopped) return;
    this.scanning = true;
    try {
      const { workerID } = this.options;
      for (const sessionID of await this.inbox.pendingFor(workerID)) {
        if (this.held.has(sessionID)) void this.drain(sessionID);
      }
      for (const sessionID of await this.inbox.pendingUnowned(workerID)) void this.claim(sessionID);
      for (const sessionID of await this.leases.lapsed(workerID)) void this.claim(sessionID);
    } finally {
      this.scanning = false;
    }
  }

  private async wake(sessionID: string): Promise<void> {
    if (this.stopped) return;
    if (this.held.has(sessionID)) await this.drain(sessionID);
    else await this.claim(sessionID);
  }

  /** Acquires the session's lease if nobody holds it live (another worker may win the race), then runs its work. */
  private async claim(sessionID: string): Promise<void> {
    if (this.stopped || this.held.has(sessionID) || this.claiming.has(sessionID)) return;
    this.claiming.add(sessionID);
    try {
      const fence = await this.leases.acquire(sessionID, this.options.workerID, this.options.leaseMs);
      if (!fence) return;
      this.options.book.hold(fence);
      this.held.set(
        sessionID,
        keepLease(this.leases, fence, this.options.leaseMs, (lost) => this.lost(lost)),
      );
      // After an owner that lost the lease (not one that released it): it may have left a turn cut off.
      if (fence.takeover) await this.takeOver(fence);
      await this.drain(sessionID);
    } catch (error) {
      this.options.log.warn(`cluster worker: session ${sessionID}: ${describe(error)}`);
    } finally {
      this.claiming.delete(sessionID);
    }
  }

  /** The lease moved to another worker (or was released behind our back): the turn here stops, writing nothing. */
  private lost(fence: LeaseFence): void {
    if (this.held.get(fence.sessionID)?.fence !== fence) return;
    this.held.delete(fence.sessionID);
    this.options.log.warn(`cluster worker: lost session ${fence.sessionID} (epoch ${fence.epoch}) to another worker`);
    void this.options.core.sessions.abort(fence.sessionID).catch(() => {});
  }

  /** After another owner: its cut-off step marked interrupted, its turn resumed, its callers answered. */
  private async takeOver(fence: LeaseFence): Promise<void> {
    const { core, now } = this.options;
    const { sessionID } = fence;
    const unfinished = await this.inbox.unfinished(fence);
    const interrupted = await markInterruptedSession(core.store, sessionID, core.bus, now);
    const session = await core.store.getSession(sessionID);
    if (session) await core.gate.expireOrphans(sessionID, session.directory);
    const turnItems = unfinished.filter((item) => TURN_KINDS.has(item.command.kind));
    const cut: OwnerResult = {
      ok: false,
      code: "conflict",
      message: "The worker running this session stopped before it was done.",
    };
    for (const item of unfinished) if (!TURN_KINDS.has(item.command.kind)) await this.finish(item, cut);
    if (!interrupted && turnItems.length === 0) return;
    this.options.log.info(`cluster worker: took over session ${sessionID} (epoch ${fence.epoch}); resuming its turn`);
    let done: Promise<PromptResult>;
    try {
      done = (await core.sessions.submitResume(sessionID)).done;
    } catch (error) {
      for (const item of turnItems) await this.finish(item, ownerError(error));
      return;
    }
    const answer = done.then(
      (result): OwnerResult => ({ ok: true, value: turnValue(result) }),
      (error): OwnerResult => ownerError(error),
    );
    // Settled as the resumed turn's end-of-turn commits are called (settleWithIdle): the results share them.
    void answer.then(async (result) => {
      for (const item of turnItems) await this.finish(item, result, true);
    });
  }

  /** Takes the session's waiting items, in order, and acts on each (one drain at a time per session). */
  private drain(sessionID: string): Promise<void> {
    const before = this.draining.get(sessionID) ?? Promise.resolve();
    const run = before.then(async () => {
      const keeper = this.held.get(sessionID);
      if (!keeper?.held) return;
      let taken: InboxTake;
      try {
        taken = await this.inbox.takeWithSession(keeper.fence);
      } catch (error) {
        if (error instanceof FencedError) return this.lost(keeper.fence);
        throw error;
      }
      const { items } = taken;
      // The session's row and questions as of the take serve the first item only: later ones may follow its turn.
      let known: StoredTurnState | undefined = { session: taken.session, pending: taken.pending };
      for (const item of items) {
        await this.act(item, known);
        known = undefined;
      }
      // Nothing was running and nothing came: the session needs no owner now.
      if (items.length === 0) this.releaseSoon(sessionID);
      else this.keepHolding(sessionID);
    });
    const settled = run.catch((error) => this.options.log.warn(`cluster worker: ${describe(error)}`));
    this.draining.set(sessionID, settled);
    void settled.then(() => {
      if (this.draining.get(sessionID) === settled) this.draining.delete(sessionID);
    });
    return settled;
  }

  /** Acts on one item; what a turn comes to is recorded when it ends (without holding up the next item). */
  private async act(item: InboxItem, known?: StoredTurnState): Promise<void> {
    const { core } = this.options;
    const { sessions } = core;
    const { sessionID, command } = item;
    try {
      switch (command.kind) {
        case "turn":
          this.report(
            item,
            (await sessions.submitStored(sessionID, command.userID, { ...known, user: command.user })).done.then(
              turnValue,
            ),
          );
          return;
        case "prompt":
          this.report(item, (await sessions.submit(sessionID, command.prompt)).done.then(turnValue));
          return;
        case "resume":
          this.report(item, (await sessions.submitResume(sessionID)).done.then(turnValue));
          return;
        case "command":
          this.report(item, (await core.commands.start(sessionID, command.input)).done.then(turnValue));
          return;
        case "shell":
          this.report(item, (await sessions.submitShell(sessionID, command.input)).done.then(turnValue));
          return;
        case "summarize":
          this.report(item, sessions.summarize(sessionID, command.model));
          return;
        case "abort":
          await this.finish(item, { ok: true, value: await sessions.abort(sessionID) });
          return;
        case "permission":
          await this.finish(item, {
            ok: true,
            value: await core.gate.reply(command.requestID, command.reply, command.message),
          });
          return;
        case "revert": {
          const { kind: _kind, ...input } = command;
          this.report(item, sessions.revert(sessionID, input));
          return;
        }
        case "unrevert":
          this.report(item, sessions.unrevert(sessionID, command.force));
          return;
      }
    } catch (error) {
      await this.finish(item, ownerError(error));
    }
  }

  private report(item: InboxItem, outcome: Promise<unknown>): void {
    // A turn's outcome settles as its end-of-turn commits are called (settleWithIdle): its result shares their
    // transaction.
    const withCommit = TURN_KINDS.has(item.command.kind);
    void outcome.then(
      (value) => this.finish(item, { ok: true, value }, withCommit),
      (error) => this.finish(item, ownerError(error), withCommit),
    );
  }

  /**
   * Records an item's result under the lease this worker holds (or last held) for its session; `withCommit`: in the
   * transaction of the commit that follows (PostgresStore.finishWithCommit).
   */
  private async finish(item: InboxItem, result: OwnerResult, withCommit = false): Promise<void> {
    const fence = this.options.book.fenceFor(item.sessionID);
    if (!fence) return;
    try {
      if (withCommit) await this.options.store.finishWithCommit(item.id, result, fence);
      else await this.inbox.finish(item.id, result, fence);
    } catch (error) {
      this.options.log.warn(`cluster worker: result of item ${item.id}: ${describe(error)}`);
      // A commit of the turn it rode with failed (PostgresStore's group rule): the caller gets that failure rather
      // than waiting. A lost lease leaves it to the next owner, which finishes what this one did not.
      if (withCommit && !(error instanceof FencedError)) {
        await this.inbox.finish(item.id, ownerError(error), fence).catch(() => {});
      }
    }
  }

  /**
   * Gives the session's lease up when it is idle here (no turn running or queued, no drain in progress): the next
   * command for it goes to whichever worker takes it. Items that arrived meanwhile are picked up by the next scan.
   */
  /**
   * Releases the session's lease after a short grace (a third of the lease, at most IDLE_GRACE_MS) if it is idle
   * then: a client's next prompt usually follows the reply at once, and keeping the lease spares it a release and a
   * new acquisition (and the new owner's look for a cut-off turn).
   */
  private releaseSoon(sessionID: string): void {
    if (!this.held.has(sessionID) || this.stopped) return;
    this.keepHolding(sessionID);
    const timer = setTimeout(
      () => {
        this.graces.delete(sessionID);
        void this.releaseIfIdle(sessionID);
      },
      Math.min(IDLE_GRACE_MS, Math.floor(this.options.leaseMs / 3)),
    );
    timer.unref();
    this.graces.set(sessionID, timer);
  }

  /** New work came for the session: no release pending. */
  private keepHolding(sessionID: string): void {
    clearTimeout(this.graces.get(sessionID));
    this.graces.delete(sessionID);
  }

  private async releaseIfIdle(sessionID: string): Promise<void> {
    const keeper = this.held.get(sessionID);
    if (!keeper || this.options.core.sessions.hasWork(sessionID) || this.draining.has(sessionID)) return;
    this.held.delete(sessionID);
    await keeper.release().catch(() => {});
    if (!this.stopped) void this.scan().catch(() => {});
  }
}

/** The largest last message (as JSON) a turn's result carries; a larger one the API node reads from the store. */
const CARRIED_MESSAGE_BYTES = 6000;

function turnValue(result: PromptResult): RemoteTurnResult {
  const value: RemoteTurnResult = {
    finish: result.finish,
    userID: result.user.id,
    lastID: result.last?.info.id,
    error: result.error,
  };
  // Carried, the API node answers the sync prompt without reading the message back (the result's notification
  // holds up to ~7,900 bytes; a result that does not fit is read from its row, still one read).
  if (result.last && Buffer.byteLength(JSON.stringify(result.last)) <= CARRIED_MESSAGE_BYTES) value.last = result.last;
  return value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
