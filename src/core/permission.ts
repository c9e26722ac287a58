// The permission gate: decides from rules and grants, and when it must ask, stores the question (so a client that
// attaches later sees it, also after a restart), publishes `permission.asked` and waits for any client's reply.
import { newId, type PermissionReply, type PermissionRequest } from "../protocol/index.js";
import type { Store } from "../storage/store.js";
import type { AgentLimits } from "./agents/agent.js";
import { builtinLimits } from "./agents/builtin.js";
import type { EventBus } from "./bus.js";
import { evaluatePermission, type PermissionRules } from "./permission-rules.js";
import { type PermissionAsk, PermissionDeniedError } from "./tools/tool.js";

export interface AskScope {
  sessionID: string;
  directory: string;
  messageID: string;
  callID: string;
  signal: AbortSignal;
  /** The agent of the turn (`build`, `plan`): its limits apply over the rules. */
  agent?: string;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
  directory: string;
  agent?: string;
}

export class PermissionGate {
  private readonly waiters = new Map<string, Waiter>();

  constructor(
    private readonly store: Store,
    private readonly bus: EventBus,
    private readonly now: () => number,
    private readonly rules: () => PermissionRules | undefined,
    /** `moor run --yes`: what would be asked is allowed; what the rules deny stays denied. */
    private readonly autoApprove: () => boolean = () => false,
    /** The turn's agent's limits, from the agent registry. */
    private readonly limitsOf: (agent: string | undefined) => AgentLimits = builtinLimits,
  ) {}

  async ask(scope: AskScope, ask: PermissionAsk): Promise<void> {
    const grants = this.store.listGrants(scope.sessionID);
    const action = evaluatePermission(this.rules(), grants, ask.permission, ask.patterns, this.limitsOf(scope.agent));
    if (action === "allow" || (action === "ask" && this.autoApprove())) return;
    if (action === "deny") {
      const byAgent = evaluatePermission(this.rules(), grants, ask.permission, ask.patterns) !== "deny";
      const why = byAgent ? `the ${scope.agent} agent` : "configuration";
      throw new PermissionDeniedError(
        `Permission denied by ${why}: ${ask.permission} ${ask.patterns.join(", ")}. Do not retry this call.`,
      );
    }
    // A question left from before a restart for this same tool call is reused rather than asked twice.
    const earlier = this.store.findPermissionByCall(scope.sessionID, scope.callID);
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
    this.store.insertPermission(request);
    const waiting = this.wait(request, scope);
    this.bus.publish("permission.asked", request, { directory: scope.directory, sessionID: scope.sessionID });
    return waiting;
  }

  private wait(request: PermissionRequest, scope: AskScope): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        this.waiters.delete(request.id);
        // The question goes with its turn: answered "reject" so that no client keeps showing it.
        this.reply(request.id, "reject", scope.directory);
        reject(new PermissionDeniedError("Aborted while waiting for permission."));
      };
      if (scope.signal.aborted) return onAbort();
      scope.signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.set(request.id, {
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
    });
  }

  /** Answers a pending question; false when there is no such pending question. */
  reply(requestID: string, reply: PermissionReply, directory: string, message?: string): boolean {
    const stored = this.store.getPermission(requestID);
    if (stored?.status !== "pending") return false;
    const { request } = stored;
    this.store.transaction(() => {
      this.store.setPermissionStatus(requestID, reply);
      if (reply === "always") {
        for (const pattern of request.always) this.store.addGrant(request.sessionID, request.permission, pattern);
      }
    });
    const waiter = this.waiters.get(requestID);
    this.waiters.delete(requestID);
    this.bus.publish(
      "permission.replied",
      { sessionID: request.sessionID, requestID, reply },
      { directory: waiter?.directory ?? directory, sessionID: request.sessionID },
    );
    if (reply === "reject") {
      waiter?.reject(
        new PermissionDeniedError(
          message
            ? `The user rejected this ${request.permission} call: ${message}`
            : `The user rejected permission for this ${request.permission} call. Do not retry it; ask the user how to proceed.`,
        ),
      );
    } else waiter?.resolve();
    if (reply === "always") this.releaseCoveredBy(request.sessionID, directory);
    return true;
  }

  /**
   * After an `always`, other pending questions of the session that the new grant covers are answered too (judged
   * under the agent that asked them: a plan question stays).
   */
  private releaseCoveredBy(sessionID: string, directory: string): void {
    const grants = this.store.listGrants(sessionID);
    for (const pending of this.store.listPendingPermissions()) {
      if (pending.sessionID !== sessionID) continue;
      const agent = this.waiters.get(pending.id)?.agent;
      if (
        evaluatePermission(this.rules(), grants, pending.permission, pending.patterns, this.limitsOf(agent)) === "allow"
      ) {
        this.reply(pending.id, "once", directory);
      }
    }
  }

  /**
   * The questions waiting for an answer. One asked by another process sharing the database (a `moor run`) that has
   * since died is closed here rather than shown until the next start.
   */
  pending(): PermissionRequest[] {
    const all = this.store.listPendingPermissions();
    const gone = expireUnlessLive(
      this.store,
      this.bus,
      all.filter((request) => !this.waiters.has(request.id)),
    );
    return gone.size === 0 ? all : all.filter((request) => !gone.has(request.id));
  }

  /**
   * Questions of this session that no running turn waits for (left by a turn a restart interrupted) are closed
   * when the session moves on to a new prompt instead of resuming that turn. A question another live process
   * waits for (a `moor run` sharing the database) is its own.
   */
  expireOrphans(sessionID: string, directory: string): void {
    const candidates = this.store
      .listPendingPermissions()
      .filter((pending) => pending.sessionID === sessionID && !this.waiters.has(pending.id));
    expireUnlessLive(this.store, this.bus, candidates, directory);
  }

  /**
   * The process is ending: the questions its turns wait for are closed (stored as expired, announced as rejected),
   * so that no client keeps showing a question nobody waits for. The waiting tool calls are left as they are: the
   * next start marks them interrupted, and a resume asks again.
   */
  closeOwned(): void {
    for (const [requestID, waiter] of this.waiters) {
      const stored = this.store.getPermission(requestID);
      if (stored?.status === "pending") expireQuestion(this.store, this.bus, stored.request, waiter.directory);
    }
    this.waiters.clear();
  }
}

/**
 * Closes a question nobody will answer through its turn any more: stored as `expired` (not a user's rejection: a
 * resumed call asks again) and announced as replied `reject`, which is what clients know to take down.
 */
export function expireQuestion(
  store: Store,
  bus: EventBus | undefined,
  request: PermissionRequest,
  directory?: string,
): void {
  store.setPermissionStatus(request.id, "expired");
  const where = directory ?? store.getSession(request.sessionID)?.directory;
  if (bus && where !== undefined) {
    bus.publish(
      "permission.replied",
      { sessionID: request.sessionID, requestID: request.id, reply: "reject" },
      { directory: where, sessionID: request.sessionID },
    );
  }
}

/**
 * Closes the questions among `requests` whose turn no process is producing any more (it ended, or its process
 * did); returns their ids. Running messages whose owner still runs are live; at start-up, after recovery, that is
 * every running message.
 */
function expireUnlessLive(
  store: Store,
  bus: EventBus | undefined,
  requests: PermissionRequest[],
  directory?: string,
): Set<string> {
  const gone = new Set<string>();
  if (requests.length === 0) return gone;
  const live = new Set<string>();
  for (const { info, ownerToken } of store.listRunningMessages()) {
    if (ownerToken === null || store.owners.isAlive(ownerToken)) live.add(info.id);
  }
  for (const request of requests) {
    if (request.tool && live.has(request.tool.messageID)) continue;
    expireQuestion(store, bus, request, directory);
    gone.add(request.id);
  }
  return gone;
}

/** At start: questions whose turn no process is producing any more (it ended, or its process did) are closed. */
export function expireOrphanedQuestions(store: Store, bus: EventBus | undefined): void {
  expireUnlessLive(store, bus, store.listPendingPermissions());
}

function rejected(ask: PermissionAsk): PermissionDeniedError {
  return new PermissionDeniedError(`The user rejected permission for this ${ask.permission} call.`);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}
