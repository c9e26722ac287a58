// Configured hook commands on moor's events (issue 19 §1). `tool.before` hooks run in the turn, as a beforeTool
// hook, because they decide (deny, allow, ask). Every other event's hooks run off the turn's hot path: each session
// has a queue its hooks run from in order (a tool.after before the session.idle that follows it), bounded, so a
// slow or hanging hook delays only later hooks of its session and never a turn. They are started by a spawner process
// of their own at a low CPU priority (hook-runner.ts): they yield the CPU to the turns. Each run is announced as
// `hook.ran` (committed in the session's scope, so SSE delivers it: an event's runs in one commit) and a failed one is
// also reported to the log.
import type { BusEnvelope, EventMap, HookEvent, HookList } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { EventBus } from "../bus.js";
import type { AfterToolHook, BeforeToolDecision, BeforeToolHook } from "../turn/hooks.js";
import { type HookSpec, type HooksConfig, hookInfo, matchNames, type ParsedHooks, parseHooks } from "./hook-config.js";
import { type HookEventFields, hookInput } from "./hook-input.js";
import { type HookCommand, HookRunner, type HookRunResult } from "./hook-runner.js";
import { combineOutcomes, readToolBeforeOutcome, runFailure, type ToolBeforeOutcome } from "./tool-decision.js";

type HookRan = EventMap["hook.ran"];

/** How much of a hook's output `hook.ran` carries. */
const SHOWN_OUTPUT = 2000;
/** Runs waiting in one session's queue; beyond it new ones are dropped (and logged). */
const DEFAULT_MAX_QUEUED = 64;
/**
 * The niceness of the hooks off the turn's path (0 is normal, 19 the lowest priority). Not 19: there a hook gets
 * ~1.5% of a CPU against each busy process of normal priority, and on a loaded machine (the test suite, a build)
 * quick hooks took seconds; at 10 it gets ~10%.
 */
const OFF_TURN_NICE = 10;
/** How long shutdown waits for queued hooks before ending them. */
const SHUTDOWN_WAIT_MS = 5000;

export interface CommandHooksOptions {
  /** The `hooks` config of sessions in `directory` (global, and the project's once trusted); read at each event. */
  config(directory: string): HooksConfig | undefined;
  /** The environment hooks run with: moor's secrets already held back (cli/command-env.ts). */
  env(): Record<string, string | undefined>;
  /** A hook failed, timed out or was dropped: one line for the log (never the environment). */
  onFailure?(message: string, details: { sessionID: string; event: HookEvent; command: string }): void;
  maxQueued?: number;
}

interface Deps {
  store: Store;
  bus: EventBus;
  now: () => number;
}

interface Queue {
  jobs: Array<() => Promise<void>>;
  running?: Promise<void>;
}

export class CommandHooks {
  private readonly parsed = new WeakMap<HooksConfig, ParsedHooks>();
  private readonly queues = new Map<string, Queue>();
  private readonly stopping = new AbortController();
  private readonly unsubscribe: () => void;
  /** User messages already announced as prompts (a message is updated again when its turn ends). */
  private readonly prompted = new Set<string>();
  /** tool.before hooks: the turn waits for them. */
  private readonly inTurn = new HookRunner();
  /** Every other event's: at a low CPU priority, so the turns that go on meanwhile keep the CPU. */
  private readonly offTurn = new HookRunner({ nice: OFF_TURN_NICE });

  constructor(
    private readonly options: CommandHooksOptions,
    private readonly deps: Deps,
  ) {
    this.unsubscribe = deps.bus.subscribe((envelope) => this.onEvent(envelope));
  }

  /** What is configured for sessions in `directory` (GET /hooks). */
  list(directory: string): HookList {
    const { hooks, ignored } = this.hooksOf(directory);
    return { hooks: hooks.map(hookInfo), ignored };
  }

  /** The beforeTool hook: synchronous (and nothing) when no tool.before hook matches the call. */
  readonly beforeTool: BeforeToolHook = (call, request) => {
    const { session, signal } = request;
    const hooks = this.matching(session.directory, "tool.before", matchNames(call.tool));
    if (hooks.length === 0) return undefined;
    const fields: HookEventFields = {
      sessionID: session.id,
      directory: session.directory,
      tool: call.tool,
      callID: call.callID,
      input: call.input,
    };
    const input = hookInput("tool.before", fields);
    const env = this.options.env();
    return Promise.all(
      hooks.map(async (hook) => {
        const result = await this.inTurn.run(this.command(hook, session.directory, env, input, signal));
        const outcome = readToolBeforeOutcome(result);
        return { outcome, ran: this.announce(hook, fields, result, outcome.failure, outcome) };
      }),
    ).then((runs) => {
      // Committed before the tool runs: its hook.ran events come first.
      this.commitRuns(
        fields,
        runs.map(({ ran }) => ran),
      );
      return decisionOf(combineOutcomes(runs.map(({ outcome }) => outcome)));
    });
  };

  /** The afterTool hook: queues the matching tool.after hooks and answers at once. */
  readonly afterTool: AfterToolHook = (call, result, { session }) => {
    const hooks = this.matching(session.directory, "tool.after", matchNames(call.tool));
    if (hooks.length > 0) {
      const fields: HookEventFields = {
        sessionID: session.id,
        directory: session.directory,
        tool: call.tool,
        callID: call.callID,
        input: call.input,
        result: { title: result.title, output: result.output, metadata: result.metadata },
      };
      this.enqueue(hooks, fields, "tool.after");
    }
    return undefined;
  };

  /** Resolves once every queued hook has run. */
  async settled(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()].map((queue) => queue.running));
  }

  /** Stops listening; queued hooks get a few seconds to finish, then every hook still running is ended. */
  async close(): Promise<void> {
    this.unsubscribe();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.settled(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    for (const queue of this.queues.values()) queue.jobs.length = 0;
    this.stopping.abort();
    // Ending the runner kills the hooks still running (their whole process groups).
    await Promise.all([this.inTurn.close(), this.offTurn.close()]);
  }

  private onEvent({ event, directory }: BusEnvelope): void {
    switch (event.type) {
      case "session.idle":
      case "session.compacted": {
        const { sessionID } = event.properties;
        this.enqueue(this.matching(directory, event.type), { sessionID, directory }, event.type, async () => {
          // A subagent's turn ending is not the session going idle for its user (Claude Code's Stop, too).
          if (event.type !== "session.idle") return true;
          const session = await this.deps.store.getSession(sessionID);
          return session !== undefined && !session.parentID;
        });
        return;
      }
      case "session.error": {
        const { sessionID, error } = event.properties;
        if (!sessionID) return;
        const fields = { sessionID, directory, error: error.data.message };
        this.enqueue(this.matching(directory, "session.error"), fields, "session.error");
        return;
      }
      case "permission.asked": {
        const permission = event.properties;
        const hooks = this.matching(directory, "permission.asked", matchNames(permission.permission, true));
        this.enqueue(hooks, { sessionID: permission.sessionID, directory, permission }, "permission.asked");
        return;
      }
      case "message.updated": {
        const { info } = event.properties;
        if (info.role !== "user" || this.prompted.has(info.id)) return;
        const hooks = this.matching(directory, "prompt.submitted");
        if (hooks.length === 0) return;
        this.prompted.add(info.id);
        if (this.prompted.size > 1000) this.prompted.delete(this.prompted.values().next().value as string);
        const fields: HookEventFields = { sessionID: info.sessionID, directory };
        this.enqueue(hooks, fields, "prompt.submitted", async () => {
          // The prompt's parts are stored in the same commit as its message.
          const message = await this.deps.store.getMessage(info.sessionID, info.id);
          fields.prompt = (message?.parts ?? [])
            .flatMap((part) => (part.type === "text" && !part.synthetic ? [part.text] : []))
            .join("\n");
          return true;
        });
        return;
      }
      default:
        return;
    }
  }

  private hooksOf(directory: string): ParsedHooks {
    const config = this.options.config(directory);
    if (!config) return { hooks: [], ignored: [] };
    let parsed = this.parsed.get(config);
    if (!parsed) {
      parsed = parseHooks(config);
      this.parsed.set(config, parsed);
    }
    return parsed;
  }

  private matching(directory: string, event: HookEvent, names?: readonly string[]): HookSpec[] {
    return this.hooksOf(directory).hooks.filter((hook) => hook.event === event && hook.matches(names));
  }

  /** Queues the hooks' runs in the session's queue; `ready` (read when their turn comes) may call them off. */
  private enqueue(hooks: HookSpec[], fields: HookEventFields, event: HookEvent, ready?: () => Promise<boolean>): void {
    if (hooks.length === 0) return;
    let queue = this.queues.get(fields.sessionID);
    if (!queue) {
      queue = { jobs: [] };
      this.queues.set(fields.sessionID, queue);
    }
    if (queue.jobs.length >= (this.options.maxQueued ?? DEFAULT_MAX_QUEUED)) {
      for (const hook of hooks) {
        this.options.onFailure?.(`hook ${event} \`${hook.command}\` dropped: too many hooks waiting in the session`, {
          sessionID: fields.sessionID,
          event,
          command: hook.command,
        });
      }
      return;
    }
    queue.jobs.push(async () => {
      if (ready && !(await ready())) return;
      const input = hookInput(event, fields);
      const env = this.options.env();
      // All of the event's hooks in one frame to the spawner, which runs them in order and answers once.
      const results = await Promise.all(
        this.offTurn.runInOrder(
          hooks.map((hook) => this.command(hook, fields.directory, env, input, this.stopping.signal)),
        ),
      );
      this.commitRuns(
        fields,
        hooks.map((hook, i) => this.announce(hook, fields, results[i], runFailure(results[i]))),
      );
    });
    if (!queue.running) queue.running = this.drain(fields.sessionID, queue);
  }

  private async drain(sessionID: string, queue: Queue): Promise<void> {
    for (let job = queue.jobs.shift(); job; job = queue.jobs.shift()) {
      try {
        await job();
      } catch (error) {
        // A store read failing (the store closing) ends only this job.
        this.options.onFailure?.(`hooks of session ${sessionID} failed: ${(error as Error).message}`, {
          sessionID,
          event: "session.error",
          command: "",
        });
      }
    }
    queue.running = undefined;
    this.queues.delete(sessionID);
  }

  private command(
    hook: HookSpec,
    directory: string,
    env: Record<string, string | undefined>,
    input: string,
    signal: AbortSignal,
  ): HookCommand {
    const stops = signal === this.stopping.signal ? signal : AbortSignal.any([signal, this.stopping.signal]);
    return {
      command: hook.command,
      cwd: directory,
      env,
      input,
      timeoutMs: hook.timeoutMs,
      signal: stops,
    };
  }

  /** A run's `hook.ran` (commitRuns commits it); a failed run is also told to the log at once. */
  private announce(
    hook: HookSpec,
    fields: HookEventFields,
    result: HookRunResult,
    failure: string | undefined,
    outcome?: ToolBeforeOutcome,
  ): HookRan {
    const { sessionID } = fields;
    const output = [result.stdout.trim(), result.stderr.trim()].filter(Boolean).join("\n");
    if (failure) {
      this.options.onFailure?.(`hook ${hook.event} \`${hook.command}\` ${failure}`, {
        sessionID,
        event: hook.event,
        command: hook.command,
      });
    }
    return {
      sessionID,
      event: hook.event,
      command: hook.command,
      exit: result.exit,
      ms: result.ms,
      ...(output ? { output: output.slice(0, SHOWN_OUTPUT) } : {}),
      ...(failure ? { error: failure } : {}),
      ...(fields.tool ? { tool: fields.tool } : {}),
      ...(outcome?.decision ? { decision: outcome.decision } : {}),
    };
  }

  /**
   * An event's `hook.ran` events in one commit, in the session's scope: a commit each (and its SSE fan-out) cost the
   * server more than quick hooks themselves (issue 19's bench). Never awaited.
   */
  private commitRuns({ directory, sessionID }: HookEventFields, runs: HookRan[]): void {
    this.deps.store
      .commit({ directory, sessionID }, (tx) => {
        for (const properties of runs) tx.emit("hook.ran", properties);
      })
      .catch(() => {
        // The store is closing: the runs are over either way.
      });
  }
}

function decisionOf(outcome: ToolBeforeOutcome): BeforeToolDecision {
  if (outcome.decision === "deny") return { deny: outcome.reason ?? "A tool.before hook denied this call." };
  if (outcome.decision === "allow" || outcome.decision === "ask") return { permission: outcome.decision };
  return undefined;
}
