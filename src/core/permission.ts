// The permission gate: a chain of links decides each tool call's question (the agent's limits and the configured
// rules with the session's grants, `--yes`, an earlier answer to the same call, links a feature adds), and when none
// decides, the question is stored (so a client that attaches later sees it, also after a restart), announced, and
// the call waits for an answer.
//
// A waiting call is released by the `permission.replied` event, not by whoever stored the answer: any client of any
// process may answer (this server's HTTP API, ACP, a `moor run` sharing the database, a node of a cluster), and the
// answer reaches the waiter the same way. Answers stored by another process are noticed by polling the waiting
// questions' rows while any wait (a cluster's event log makes that unnecessary).
import { type BusEnvelope, newId, type PermissionReply, type PermissionRequest } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import type { AgentLimits } from "./agents/agent.js";
import { builtinLimits } from "./agents/builtin.js";
import type { EventBus } from "./bus.js";
import { type AgentRules, evaluatePermission, type PermissionRules } from "./permission-rules.js";
import type { OwnerDispatch } from "./remote-owner.js";
import { type PermissionAsk, PermissionDeniedError } from "./tools/tool.js";

export interface AskScope {
  sessionID: string;
  directory: string;
  messageID: string;
  callID: string;
  signal: AbortSignal;
  /** The agent of the turn (`build`, `plan`): its limits apply over the rules. */
  agent?: string;
  /**
   * A beforeTool hook's say on this question (core/hooks/): "allow" answers what the rules would ask, "ask" asks
   * the user what the rules would allow. What the rules deny is denied either way; `--yes` still answers an "ask".
   */
  decided?: "allow" | "ask";
}

/** What a link of the chain says: allow, deny (with the reason the model reads), or nothing (the next link decides). */
export type PermissionVerdict = { action: "allow" } | { action: "deny"; reason: string } | undefined;

/** One link of the chain. Links run in order; the first verdict wins; when none gives one, the user is asked. */
export type PermissionLink = (scope: AskScope, ask: PermissionAsk) => PermissionVerdict | Promise<PermissionVerdict>;

export interface PermissionGateOptions {
  store: Store;
  bus: EventBus;
  now: () => number;
  /** The rules for sessions in a directory, read at each decision (they follow config changes). */
  rules: (directory: string) => PermissionRules | undefined;
  /** `moor run --yes`: what would be asked is allowed; what the rules deny stays denied. */
  autoApprove?: (directory: string) => boolean;
  /** The turn's agent's limits, from the agent registry (default: the built-in agents'). */
  limitsOf?: (agent: string | undefined, directory?: string) => AgentLimits;
  /** The turn's agent's own permission table, when it has one (its config's `permission`), in the session's directory. */
  agentRulesOf?: (agent: string | undefined, directory?: string) => AgentRules | undefined;
  /** Links a feature adds (hooks, a policy service), asked after the rules and before the user. */
  links?: PermissionLink[];
  /** How often rows of waiting questions are read for answers another process stored. */
  foreignReplyPollMs?: number;
  /** Cluster mode, API nodes: the turn that asked waits in its owner, which takes the answer (core/remote-owner.ts). */
  owners?: OwnerDispatch;
}

interface Waiter {
  request: PermissionRequest;
  directory: string;
  agent?: string;
  resolve(): void;
  reject(error: Error): void;
}

export class PermissionGate {
  private readonly waiters = new Map<string, Waiter>();
  private readonly chain: PermissionLink[];
  private readonly store: Store;
  private readonly bus: EventBus;
  private readonly now: () => number;
  /** The rules for a session in the directory, read at each decision (they follow config changes). */
  private readonly rules: (directory: string) => PermissionRules | undefined;
  private readonly limitsOf: (agent: string | undefined, directory?: string) => AgentLimits;
  private readonly agentRulesOf: (agent: string | undefined, directory?: string) => AgentRules | undefined;
  private readonly unsubscribe: () => void;
  private poll: NodeJS.Timeout | undefined;

  constructor(private readonly options: PermissionGateOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.now = options.now;
    this.rules = options.rules;
    this.limitsOf = options.limitsOf ?? builtinLimits;
    this.agentRulesOf = options.agentRulesOf ?? (() => undefined);
    const autoApprove = options.autoApprove ?? (() => false);
    this.chain = [
      (scope, ask) => this.byRules(scope, ask),
      (scope) => (autoApprove(scope.directory) ? { action: "allow" } : undefined),
      ...(options.links ?? []),
    ];
    this.unsubscribe = this.bus.subscribe((envelope) => this.onEvent(envelope));
  }

  async ask(scope: AskScope, ask: PermissionAsk): Promise<void> {
    if (scope.decided) await this.askAsDecided(scope, ask);
    else await this.askThroughChain(scope, ask);
  }

  /** A hook decided: the rules may still deny; otherwise its "allow" stands, and its "ask" goes to the user. */
  private async askAsDecided(scope: AskScope, ask: PermissionAsk): Promise<void> {
    const verdict = await this.chain[0](scope, ask);
    if (verdict?.action === "deny") throw new PermissionDeniedError(verdict.reason);
    if (scope.decided === "allow") return;
    if (this.options.autoApprove?.(scope.directory)) return;
    return this.question(scope, ask);
  }

  private async askThroughChain(scope: AskScope, ask: PermissionAsk): Promise<void> {
    for (const link of this.chain) {
      const verdict = await link(scope, ask);
      if (verdict?.action === "allow") return;
      if (verdict?.action === "deny") throw new PermissionDeniedError(verdict.reason);
    }
    return this.question(scope, ask);
  }

  /** Asks the user (or finds this call's question from before a restart) and waits for the answer. */
  private async question(scope: AskScope, ask: PermissionAsk): Promise<void> {
    // A question left from before a restart for this same tool call is reused rather than asked twice.
    const earlier = await this.store.findPermissionByCall(scope.sessionID, scope.callID);
    if (earlier && earlier.request.permission === ask.permission && sameList(earlier.request.patterns, ask.patterns)) {
      if (earlier.status === "once" || earlier.status === "always") return;
      if (earlier.status === "reject") throw rejected(ask);
      return this.wait(earlier.request, scope);
    }
    const request: PermissionRequest = {
      id: newId("per", this.now()),
      sessionID: scope.sessionID,
      permission: ask.permission,
      patterns: ask.patterns,
      metadata: ask.metadata ?? {},
      always: ask.always ?? ask.patterns,
      tool: { messageID: scope.messageID, callID: scope.callID },
      time: { created: this.now() },
    };
    // Waiting before the question is announced: an answer can arrive as soon as it is.
    const waiting = this.wait(request, scope);
    try {
      await this.store.commit({ directory: scope.directory, sessionID: scope.sessionID }, (tx) => {
        tx.insertPermission(request);
        tx.emit("permission.asked", request);
      });
    } catch (error) {
      this.forget(request.id);
      throw error;
    }
    return waiting;
  }

  /** The first link: the configured rules, the session's grants and the agent's limits. */
  private async byRules(scope: AskScope, ask: PermissionAsk): Promise<PermissionVerdict> {
    const grants = await this.store.listGrants(scope.sessionID);
    const rules = this.rules(scope.directory);
    const action = evaluatePermission(
      rules,
      grants,
      ask.permission,
      ask.patterns,
      this.limitsOf(scope.agent, scope.directory),
      this.agentRulesOf(scope.agent, scope.directory),
      ask.unruled,
    );
    if (action === "allow") return { action };
    if (action === "ask") return undefined;
    const byAgent = evaluatePermission(rules, grants, ask.permission, ask.patterns) !== "deny";
    const why = byAgent ? `the ${scope.agent} agent` : "configuration";
    return {
      action: "deny",
      reason: `Permission denied by ${why}: ${ask.permission} ${ask.patterns.join(", ")}. Do not retry this call.`,
    };
  }

  private wait(request: PermissionRequest, scope: AskScope): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.forget(request.id);
        // The question goes with its turn: answered "reject" so that no client keeps showing it.
        this.reply(request.id, "reject").catch(() => {});
        reject(new PermissionDeniedError("Aborted while waiting for permission."));
      };
      if (scope.signal.aborted) return onAbort();
      scope.signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.set(request.id, {
        request,
        directory: scope.directory,
        agent: scope.agent,
        resolve: () => {
          scope.signal.removeEventListener("abort", onAbort);
          resolve();
        },
        reject: (error) => {
          scope.signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      this.pollWhileWaiting();
    });
  }

  private forget(requestID: string): void {
    this.waiters.delete(requestID);
    if (this.waiters.size === 0) this.stopPolling();
  }

  /**
   * Stores an answer to a pending question and announces it (which releases the call waiting for it, in whichever
   * process it waits); false when there is no such pending question. `message` goes to the model with a rejection.
   */
  async reply(requestID: string, reply: PermissionReply, message?: string): Promise<boolean> {
    const stored = await this.store.getPermission(requestID);
    if (stored?.status !== "pending") return false;
    const { request } = stored;
    if (this.options.owners) {
      const session = await this.store.getSession(request.sessionID);
      if (!session) return false;
      await this.options.owners.send(session, { kind: "permission", requestID, reply, message });
      return true;
    }
    const directory =
      this.waiters.get(requestID)?.directory ?? (await this.store.getSession(request.sessionID))?.directory;
    if (directory === undefined) return false;
    if (message !== undefined) this.messages.set(requestID, message);
    await this.store.commit({ directory, sessionID: request.sessionID }, (tx) => {
      tx.setPermissionStatus(requestID, reply);
      if (reply === "always") {
        for (const pattern of request.always) tx.addGrant(request.sessionID, request.permission, pattern);
      }
      tx.emit("permission.replied", { sessionID: request.sessionID, requestID, reply });
    });
    if (reply === "always") await this.releaseCoveredBy(request.sessionID, directory);
    return true;
  }

  /** Rejection messages given with a reply in this process, for the waiter the event releases. */
  private readonly messages = new Map<string, string>();

  private onEvent(envelope: BusEnvelope): void {
    if (envelope.event.type !== "permission.replied") return;
    const { requestID, reply } = envelope.event.properties;
    this.release(requestID, reply);
  }

  private release(requestID: string, reply: PermissionReply | "expired"): void {
    const waiter = this.waiters.get(requestID);
    const message = this.messages.get(requestID);
    this.messages.delete(requestID);
    if (!waiter) return;
    this.forget(requestID);
    const { permission } = waiter.request;
    if (reply === "reject" || reply === "expired") {
      waiter.reject(
        new PermissionDeniedError(
          message
            ? `The user rejected this ${permission} call: ${message}`
            : `The user rejected permission for this ${permission} call. Do not retry it; ask the user how to proceed.`,
        ),
      );
    } else waiter.resolve();
  }

  /** Answers stored by another process sharing the store reach no bus of ours: their rows are read instead. */
  private pollWhileWaiting(): void {
    if (this.poll || this.waiters.size === 0) return;
    this.poll = setInterval(() => {
      this.checkForeignReplies().catch(() => {});
    }, this.options.foreignReplyPollMs ?? 500);
    this.poll.unref();
  }

  private stopPolling(): void {
    if (this.poll) clearInterval(this.poll);
    this.poll = undefined;
  }

  private async checkForeignReplies(): Promise<void> {
    for (const requestID of [...this.waiters.keys()]) {
      const stored = await this.store.getPermission(requestID);
      if (stored && stored.status !== "pending") this.release(requestID, stored.status);
    }
  }

  /**
   * After an `always`, other pending questions of the session that the new grant covers are answered too (judged
   * under the agent that asked them: a plan question stays).
   */
  private async releaseCoveredBy(sessionID: string, directory: string): Promise<void> {
    const grants = await this.store.listGrants(sessionID);
    for (const pending of await this.store.listPendingPermissions()) {
      if (pending.sessionID !== sessionID) continue;
      const waiter = this.waiters.get(pending.id);
      const rules = this.rules(waiter?.directory ?? directory);
      if (
        evaluatePermission(
          rules,
          grants,
          pending.permission,
          pending.patterns,
          this.limitsOf(waiter?.agent, waiter?.directory ?? directory),
          this.agentRulesOf(waiter?.agent, waiter?.directory ?? directory),
        ) === "allow"
      ) {
        await this.reply(pending.id, "once");
      }
    }
  }

  /**
   * The questions waiting for an answer. One asked by another process sharing the database (a `moor run`) that has
   * since died is closed here rather than shown until the next start.
   */
  async pending(): Promise<PermissionRequest[]> {
    const all = await this.store.listPendingPermissions();
    const gone = await expireUnlessLive(
      this.store,
      all.filter((request) => !this.waiters.has(request.id)),
    );
    return gone.size === 0 ? all : all.filter((request) => !gone.has(request.id));
  }

  /**
   * Questions of this session that no running turn waits for (left by a turn a restart interrupted) are closed
   * when the session moves on to a new prompt instead of resuming that turn. A question another live process
   * waits for (a `moor run` sharing the database) is its own.
   */
  async expireOrphans(sessionID: string, directory: string, pending?: PermissionRequest[]): Promise<void> {
    // `pending`: the pending questions as the caller just read them (cluster workers, with the inbox take).
    const candidates = (pending ?? (await this.store.listPendingPermissions())).filter(
      (pending) => pending.sessionID === sessionID && !this.waiters.has(pending.id),
    );
    await expireUnlessLive(this.store, candidates, directory);
  }

  /**
   * The process is ending: the questions its turns wait for are closed (stored as expired, announced as rejected),
   * so that no client keeps showing a question nobody waits for. The waiting tool calls are left as they are: the
   * next start marks them interrupted, and a resume asks again.
   */
  closeOwned(): Promise<void> {
    const owned = [...this.waiters.values()];
    this.waiters.clear();
    this.stopPolling();
    this.unsubscribe();
    // Every write is started before anything is awaited: this also runs in an `exit` handler, where nothing queued
    // after it runs. A question answered meanwhile keeps its answer (only a pending one becomes expired).
    return Promise.all(owned.map((waiter) => expireQuestion(this.store, waiter.request, waiter.directory))).then(
      () => {},
    );
  }
}

/**
 * Closes a question nobody will answer through its turn any more: stored as `expired` (not a user's rejection: a
 * resumed call asks again) and announced as replied `reject`, which is what clients know to take down.
 */
export async function expireQuestion(store: Store, request: PermissionRequest, directory?: string): Promise<void> {
  const where = directory ?? (await store.getSession(request.sessionID))?.directory;
  await store.commit({ directory: where ?? "", sessionID: request.sessionID }, (tx) => {
    tx.setPermissionStatus(request.id, "expired");
    if (where !== undefined) {
      tx.emit("permission.replied", { sessionID: request.sessionID, requestID: request.id, reply: "reject" });
    }
  });
}

/**
 * Closes the questions among `requests` whose turn no process is producing any more (it ended, or its process
 * did); returns their ids. Running messages whose owner still runs are live; at start-up, after recovery, that is
 * every running message.
 */
async function expireUnlessLive(store: Store, requests: PermissionRequest[], directory?: string): Promise<Set<string>> {
  const gone = new Set<string>();
  if (requests.length === 0) return gone;
  const live = new Set<string>();
  for (const { info, ownerToken } of await store.listRunningMessages()) {
    if (ownerToken === null || (await store.isOwnerAlive(ownerToken))) live.add(info.id);
  }
  for (const request of requests) {
    if (request.tool && live.has(request.tool.messageID)) continue;
    await expireQuestion(store, request, directory);
    gone.add(request.id);
  }
  return gone;
}

/** At start: questions whose turn no process is producing any more (it ended, or its process did) are closed. */
export async function expireOrphanedQuestions(store: Store): Promise<void> {
  await expireUnlessLive(store, await store.listPendingPermissions());
}

function rejected(ask: PermissionAsk): PermissionDeniedError {
  return new PermissionDeniedError(`The user rejected permission for this ${ask.permission} call.`);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
