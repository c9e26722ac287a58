// The session service: sessions' lifecycle, and one turn at a time per session — a prompt while busy waits in
// that session's queue and runs next, never interleaved (issue 3 §4).
import {
  attachmentProblem,
  type FileDiff,
  type MessageWithParts,
  type ModelRef,
  newId,
  type OwnerCommand,
  type Part,
  type PermissionRequest,
  type PromptInput,
  type RemoteTurnResult,
  type Session,
  type SessionStatus,
  type ShellCommand,
  type Todo,
  type UserMessage,
} from "../protocol/index.js";
import {
  IdConflictError,
  type SessionListQuery,
  type SessionPage,
  StaleRowError,
  type Store,
  type StoreWrites,
} from "../storage/port.js";
import type { EventBus } from "./bus.js";
import { CoreError, notFound } from "./errors.js";
import { conversationFor } from "./history.js";
import { type OwnerDispatch, type OwnerRecord, ownerAnswer } from "./remote-owner.js";
import { SHELL_PROMPT_TEXT, shellStep } from "./shell-step.js";
import type { SnapshotService } from "./snapshots/service.js";
import { type RevertInput, SessionReverts } from "./snapshots/session-revert.js";
import { StartQueue } from "./start-queue.js";
import { type TitleOptions, TitleWriter } from "./titles/title-writer.js";
import { runTurn } from "./turn/loop.js";
import type { ResolvedModel, TurnOutcome, TurnRequest, TurnServices } from "./turn/types.js";

const DEFAULT_TITLE_PREFIX = "New session - ";
/** An edit of a session row refused as stale is redone on a fresh read; another node editing it that often is odd. */
const MAX_EDIT_ATTEMPTS = 3;

export interface PromptResult extends Omit<TurnOutcome, "written"> {
  user: UserMessage;
}

interface QueuedTurn {
  model: ResolvedModel;
  /** Stored when the prompt arrives, so a queued prompt survives a crash. */
  user: UserMessage;
  /** The interrupted step a resume continues. */
  resume?: MessageWithParts;
  /** Runs instead of a turn, in the session's queue (a manual summary). */
  task?: (session: Session, signal: AbortSignal) => Promise<PromptResult>;
  /** Aborts this turn when it aborts, queued or running (a parent's task tool call: its child's turn). */
  signal?: AbortSignal;
  /** Runs at the turn's start, before its first model step; an outcome it answers ends the turn. */
  before?: TurnPrelude;
  resolve(result: PromptResult): void;
  reject(error: unknown): void;
}

interface SessionRunner {
  queue: QueuedTurn[];
  controller?: AbortController;
  current?: Promise<void>;
}

/** Work a turn does before its first model step (a `subtask` command's task call, core/subagents/subtask-step.ts). */
export type TurnPrelude = (services: TurnServices, request: TurnRequest) => Promise<TurnOutcome | undefined>;

export interface SessionServiceOptions {
  store: Store;
  bus: EventBus;
  turns: TurnServices;
  now: () => number;
  version: string;
  projectID: (directory: string) => string;
  resolveModel(ref: ModelRef | undefined): Promise<ResolvedModel>;
  /** Titles written by a model (core/titles/); without it a session keeps its first prompt's first line. */
  titles?: TitleOptions;
  /** Writes a summary of the session now (core/compaction/). */
  summarize?(input: { session: Session; model: ResolvedModel; userID: string; signal: AbortSignal }): Promise<unknown>;
  /** The projects' shadow repositories (core/snapshots/): diffs, revert and unrevert. */
  snapshots?: SnapshotService;
  /**
   * Cluster mode, API nodes (core/remote-owner.ts): turns run in the worker owning the session; what needs it is
   * passed through this, and the sessions' statuses are those the workers announce.
   */
  owners?: OwnerDispatch;
  /**
   * Cluster mode, workers: the last turn's caller (the worker, which records the turn's result in the inbox) hears
   * of its end as the end-of-turn commits are called rather than once they are done, so its result can share their
   * transaction (PostgresStore.finishWithCommit). The node waiting for the result still answers only once it has
   * those commits' events: the result's notification names the transaction's last event id.
   */
  settleWithIdle?: boolean;
}

/**
 * Cluster mode, workers: what the worker already holds for a stored prompt's turn (read with the inbox take, or
 * carried by the command), so submitStored need not read it again.
 */
export interface StoredTurnState {
  session?: Session;
  user?: UserMessage;
  /** The pending questions stored (any session's, or only this one's). */
  pending?: PermissionRequest[];
}

export class SessionService {
  private readonly runners = new Map<string, SessionRunner>();
  private readonly statuses = new Map<string, SessionStatus>();
  /** The session-row edit in progress per session (editSession). */
  private readonly edits = new Map<string, Promise<unknown>>();
  private readonly titles?: TitleWriter;
  private readonly reverts: SessionReverts;
  /** Prompts taken in, turns started and titles asked for: one per loop turn (start-queue.ts says why). */
  private readonly starts = new StartQueue();

  constructor(private readonly options: SessionServiceOptions) {
    this.reverts = new SessionReverts({
      store: options.store,
      snapshots: options.snapshots,
      isBusy: (id) => this.isBusy(id) || Boolean(this.runners.get(id)?.current),
      now: options.now,
    });
    if (options.titles) this.titles = new TitleWriter(options.titles, this.starts);
    if (options.owners) {
      // No turn runs here: a session is busy while its owner says so.
      options.bus.subscribe(({ event }) => {
        if (event.type !== "session.status") return;
        const { sessionID, status } = event.properties;
        if (status.type === "idle") this.statuses.delete(sessionID);
        else this.statuses.set(sessionID, status);
      });
    }
  }

  private get store(): Store {
    return this.options.store;
  }

  private get bus(): EventBus {
    return this.options.bus;
  }

  private scope(session: Session) {
    return { directory: session.directory, sessionID: session.id };
  }

  async create(input: { directory: string; title?: string; parentID?: string; id?: string }): Promise<Session> {
    const now = this.options.now();
    const session: Session = {
      id: input.id ?? newId("ses", now),
      slug: slugFor(now),
      projectID: this.options.projectID(input.directory),
      directory: input.directory,
      path: "",
      parentID: input.parentID,
      title: input.title ?? `${DEFAULT_TITLE_PREFIX}${new Date(now).toISOString()}`,
      version: this.options.version,
      time: { created: now, updated: now },
    };
    if (input.parentID) await this.get(input.parentID);
    if (await this.store.getSession(session.id)) {
      throw new CoreError("conflict", `Session already exists: ${session.id}`);
    }
    await this.store.commit(this.scope(session), (tx) => {
      tx.putSession(session);
      tx.emit("session.created", { sessionID: session.id, info: session });
    });
    return session;
  }

  async get(id: string): Promise<Session> {
    const session = await this.store.getSession(id);
    if (!session) throw notFound("Session", id);
    return session;
  }

  /** Sessions, most recently updated first, a page at a time when a limit is given. */
  page(query: SessionListQuery = {}): Promise<SessionPage> {
    return this.store.listSessions(query);
  }

  /** Every session (matching the filter), most recently updated first. */
  async list(filter: { directory?: string; roots?: boolean } = {}): Promise<Session[]> {
    return (await this.store.listSessions(filter)).sessions;
  }

  async children(id: string): Promise<Session[]> {
    await this.get(id);
    return this.store.listChildren(id);
  }

  /**
   * A rename and/or an archive. `archived`: when the session was archived, null to un-archive it. Archiving does not
   * count as an update (as in OpenCode): the session keeps its place in lists ordered by their last update.
   */
  async update(id: string, patch: { title?: string; archived?: number | null }): Promise<Session> {
    // A field the patch leaves out (or sends as undefined: a PATCH without a title) keeps its value.
    const { title, archived } = patch;
    const updated = await this.editSession(id, (session) => {
      const renamed = title === undefined ? session : { ...session, title };
      // A rename (or a patch of nothing) is an update; an archive alone is not.
      const edited = title !== undefined || archived === undefined ? this.touched(renamed) : renamed;
      if (archived === undefined) return edited;
      const { archived: _was, ...time } = edited.time;
      return { ...edited, time: archived === null ? time : { ...time, archived } };
    });
    if (!updated) throw notFound("Session", id);
    return updated;
  }

  private touched(session: Session): Session {
    return { ...session, time: { ...session.time, updated: this.options.now() } };
  }

  /**
   * Reads a session row, changes it and writes it back, one edit at a time per session, so that no edit is lost
   * to a write based on an older read (a model's title arriving as the turn ends, a rename by the user). `change`
   * answers undefined to leave the row as it is. Resolves with the row as written, or undefined when it is gone.
   */
  private editSession(id: string, change: (session: Session) => Session | undefined): Promise<Session | undefined> {
    return this.inOrder(id, async () => {
      // The row as this node last read it when the store keeps it (no round trip on PostgreSQL): the write is
      // conditional on it, and if another node changed the row meanwhile, the change is redone on a fresh read.
      for (let attempt = 1; ; attempt++) {
        const session =
          attempt === 1 && this.store.getSessionForEdit
            ? await this.store.getSessionForEdit(id)
            : await this.store.getSession(id);
        const changed = session && change(session);
        if (!changed) return session;
        try {
          await this.store.commit(this.scope(changed), (tx) => {
            tx.putSession(changed, session);
            tx.emit("session.updated", { sessionID: changed.id, info: changed });
          });
          return changed;
        } catch (error) {
          if (!(error instanceof StaleRowError) || attempt >= MAX_EDIT_ATTEMPTS) throw error;
        }
      }
    });
  }

  /** Runs `work` after the session row's edits before it (editSession; a deletion, which no edit may undo). */
  private inOrder<T>(id: string, work: () => Promise<T>): Promise<T> {
    const run = (this.edits.get(id) ?? Promise.resolve()).catch(() => {}).then(work);
    this.edits.set(id, run);
    const forget = () => {
      if (this.edits.get(id) === run) this.edits.delete(id);
    };
    run.then(forget, forget);
    return run;
  }

  async remove(id: string): Promise<Session> {
    const session = await this.get(id);
    for (const child of await this.store.listChildren(id)) await this.remove(child.id);
    const runner = this.runners.get(id);
    if (runner) {
      for (const queued of runner.queue.splice(0)) queued.reject(new CoreError("conflict", "The session was deleted."));
      runner.controller?.abort();
      await runner.current;
    }
    this.statuses.delete(id);
    await this.inOrder(id, () =>
      this.store.commit(this.scope(session), (tx) => {
        tx.deleteSession(id);
        tx.emit("session.deleted", { sessionID: id, info: session });
      }),
    );
    return session;
  }

  /** The history in conversation order: each prompt followed by its replies (a queued prompt after them). */
  async messages(id: string): Promise<MessageWithParts[]> {
    return (await this.messagesAt(id)).messages;
  }

  /**
   * The history, and the sequence number of the last event it reflects: the store takes the number at the moment
   * that matches its read (the port's readAt). Clients join a live session with it (server/message-snapshot.ts).
   */
  async messagesAt(id: string): Promise<{ messages: MessageWithParts[]; seq: number }> {
    await this.get(id);
    const { value: history, position: seq } = await this.store.readAt(
      () => this.store.listMessages(id),
      () => this.bus.lastSeq,
    );
    const lastUser = history.findLast((message) => message.info.role === "user");
    return { messages: lastUser ? conversationFor(history, lastUser.info.id) : history, seq };
  }

  async message(id: string, messageID: string): Promise<MessageWithParts> {
    return (await this.messageAt(id, messageID)).message;
  }

  /** One message, and the sequence number of the last event it reflects (as messagesAt). */
  async messageAt(id: string, messageID: string): Promise<{ message: MessageWithParts; seq: number }> {
    await this.get(id);
    const { value: message, position: seq } = await this.store.readAt(
      () => this.store.getMessage(id, messageID),
      () => this.bus.lastSeq,
    );
    if (!message) throw notFound("Message", messageID);
    return { message, seq };
  }

  async todos(id: string): Promise<Todo[]> {
    await this.get(id);
    return this.store.getTodos(id);
  }

  status(id: string): SessionStatus {
    return this.statuses.get(id) ?? { type: "idle" };
  }

  /** The sessions that are not idle, as OpenCode's GET /session/status answers. */
  allStatuses(): Record<string, SessionStatus> {
    return Object.fromEntries(this.statuses);
  }

  isBusy(id: string): boolean {
    return this.statuses.has(id);
  }

  /**
   * Cluster mode, API nodes: the sessions a worker holds when this node starts are busy (workers release idle
   * sessions), until their owner's next status says otherwise.
   */
  seedBusy(ids: string[]): void {
    for (const id of ids) if (!this.statuses.has(id)) this.statuses.set(id, { type: "busy" });
  }

  /** Whether a turn of the session is running or queued here (also in the moment before its status says busy). */
  hasWork(id: string): boolean {
    return this.runners.has(id) || this.statuses.has(id);
  }

  private setStatus(session: Session, status: SessionStatus): void {
    if (status.type === "idle") this.statuses.delete(session.id);
    else this.statuses.set(session.id, status);
    this.bus.publish("session.status", { sessionID: session.id, status }, this.scope(session));
  }

  /**
   * Stores the prompt at once (it is durable before this returns its promise), queues its turn, and resolves when
   * the turn has run, after any turns queued before it.
   */
  async prompt(id: string, input: PromptInput): Promise<PromptResult> {
    return (await this.submit(id, input)).done;
  }

  /**
   * Like prompt, but resolves as soon as the prompt is stored and queued (for prompt_async). With `noReply` the
   * prompt is only stored and announced (context for later turns): no turn starts, and `done` resolves at once.
   */
  async submit(
    id: string,
    input: PromptInput,
    options: { signal?: AbortSignal; before?: TurnPrelude } = {},
  ): Promise<{ user: UserMessage; done: Promise<PromptResult> }> {
    await this.starts.next("prompt");
    // An API node starts a session's next prompt from the row as it last saw it announced (no round trip): the
    // prompt's commit, which queues its turn, checks the row is still that, and on a row changed meanwhile the
    // prompt starts again from a read. Not a first prompt (its title is written first, its turn queued apart), nor
    // one after a revert (which it makes final): those read the row.
    const announced = input.noReply ? undefined : this.options.owners?.announced?.(id);
    if (!announced || announced.revert || announced.title.startsWith(DEFAULT_TITLE_PREFIX)) {
      return this.submitFrom(await this.get(id), input, options);
    }
    try {
      return await this.submitFrom(announced, input, options);
    } catch (error) {
      if (!(error instanceof StaleRowError)) throw error;
      return this.submitFrom(await this.get(id), input, options);
    }
  }

  private async submitFrom(
    session: Session,
    input: PromptInput,
    options: { signal?: AbortSignal; before?: TurnPrelude },
  ): Promise<{ user: UserMessage; done: Promise<PromptResult> }> {
    const id = session.id;
    const agent = this.options.turns.agentsIn(session.directory).resolve(input.agent);
    checkPromptInput(input);
    const model = await this.options.resolveModel(input.model ?? agent.model ?? sessionModel(session));
    const owners = this.options.owners;
    if (owners && options.before) throw new CoreError("bad_request", "This runs only where the session's turns run.");
    // Refused before it is stored: a prompt no worker can run must not stay behind as a turn that never came.
    if (owners && !input.noReply) await owners.ready(session);
    // A prompt after a revert makes it final: the messages it hid are deleted before this one is stored.
    // Read again only when finalizing changed it (titleFromFirstPrompt edits the session from a fresh read anyway).
    let current = session;
    if (session.revert) {
      await this.inOrder(id, async () => this.reverts.finalize(await this.get(id)));
      current = await this.get(id);
    }
    // Cluster mode: the prompt's item commits with its user message (one round trip), unless this is the session's
    // first prompt, whose title is written from it before the owner may start on the row.
    const queueTurn =
      owners && !input.noReply && !current.title.startsWith(DEFAULT_TITLE_PREFIX)
        ? (user: UserMessage, record: OwnerRecord) =>
            owners.send(session, { kind: "turn", userID: user.id, user }, record)
        : undefined;
    const { user, fallbackTitle, itemID } = await this.recordUserMessage(current, input, model, queueTurn);
    if (input.noReply) {
      if (fallbackTitle) this.writeTitle(session, fallbackTitle, input, model);
      return { user, done: Promise.resolve({ user, finish: "stop" }) };
    }
    let done: Promise<PromptResult>;
    if (owners) {
      const item = itemID ?? (await this.send(session, { kind: "turn", userID: user.id, user }));
      done = this.ownerTurn(item, id, user);
    } else {
      await this.options.turns.gate.expireOrphans(session.id, session.directory);
      done = new Promise<PromptResult>((resolve, reject) => {
        // The row as read above, unless the first prompt's title was written to it since.
        const asRead = fallbackTitle ? undefined : current;
        this.enqueue(session, { model, user, signal: options.signal, before: options.before, resolve, reject }, asRead);
      });
    }
    // After the turn is queued, and never awaited: the turn does not wait for its title.
    if (fallbackTitle) this.writeTitle(session, fallbackTitle, input, model);
    return { user, done };
  }

  /**
   * Runs the user's own shell command as the session's next turn (OpenCode's `!command`): stored as a synthetic
   * prompt and one bash call, no model step (core/shell-step.ts). Resolves once queued; `done` when it has run.
   */
  async submitShell(id: string, input: ShellCommand): Promise<{ done: Promise<PromptResult> }> {
    if (this.options.owners) {
      // Refused by send when no worker serves the directory (the worker stores the prompt).
      return { done: this.ownerTurn(await this.send(await this.get(id), { kind: "shell", input }), id) };
    }
    const { done } = await this.submit(
      id,
      {
        agent: input.agent,
        model: input.model,
        messageID: input.messageID,
        parts: [{ type: "text", text: SHELL_PROMPT_TEXT, synthetic: true }],
      },
      { before: shellStep(input.command) },
    );
    return { done };
  }

  /**
   * Continues a turn a crash or restart interrupted: unfinished tool calls run again, completed ones are kept,
   * and the loop goes on from there.
   */
  async resume(id: string): Promise<PromptResult> {
    return (await this.submitResume(id)).done;
  }

  /** Like resume, but resolves as soon as the resumed turn is queued. */
  async submitResume(id: string): Promise<{ done: Promise<PromptResult> }> {
    const session = await this.get(id);
    if (this.options.owners) return { done: this.ownerTurn(await this.send(session, { kind: "resume" }), id) };
    if (this.runners.get(id)?.current) throw new CoreError("busy", `Session ${id} is busy; nothing to resume.`);
    const history = await this.store.listMessages(id);
    const lastUserIndex = history.findLastIndex((message) => message.info.role === "user");
    if (lastUserIndex === -1) throw new CoreError("conflict", `Session ${id} has no turn to resume.`);
    const user = history[lastUserIndex].info as UserMessage;
    const replies = history.slice(lastUserIndex + 1);
    const last = replies.at(-1);
    const interrupted = last?.info.role === "assistant" && last.info.error?.name === "InterruptedError";
    if (replies.length > 0 && !interrupted) {
      throw new CoreError("conflict", `Session ${id} has no interrupted turn to resume.`);
    }
    const model = await this.options.resolveModel(user.model ?? sessionModel(session));
    const done = new Promise<PromptResult>((resolve, reject) => {
      // A copy: the resumed tool calls change their parts, and the store's history objects are shared.
      const resume = interrupted ? structuredClone(last) : undefined;
      this.enqueue(session, { model, user, resume, resolve, reject });
    });
    return { done };
  }

  /**
   * Compacts the session now (POST /session/:id/summarize): the compaction agent writes a summary message, and the
   * model sees the history from it on. Runs in the session's queue, after a turn in progress.
   */
  async summarize(id: string, ref?: ModelRef): Promise<void> {
    const session = await this.get(id);
    if (this.options.owners) {
      await ownerAnswer(this.options.owners, await this.send(session, { kind: "summarize", model: ref }));
      return;
    }
    const summarize = this.options.summarize;
    if (!summarize) throw new CoreError("bad_request", "Compaction is not available.");
    const history = await this.store.listMessages(id);
    const lastUser = history.findLast((message) => message.info.role === "user")?.info as UserMessage | undefined;
    if (!lastUser) throw new CoreError("bad_request", `Session ${id} has nothing to summarize yet.`);
    const model = await this.options.resolveModel(ref ?? lastUser.model ?? sessionModel(session));
    const task = async (current: Session, signal: AbortSignal): Promise<PromptResult> => {
      try {
        await summarize({ session: current, model, userID: lastUser.id, signal });
      } catch (error) {
        // The provider's failure, said plainly to the caller (not an internal error of ours).
        const message = error instanceof Error ? error.message : String(error);
        throw new CoreError("conflict", `The summary could not be written: ${message}`);
      }
      return { user: lastUser, finish: "stop" };
    };
    await new Promise<PromptResult>((resolve, reject) => {
      this.enqueue(session, { model, user: lastUser, task, resolve, reject });
    });
  }

  async abort(id: string): Promise<boolean> {
    const session = await this.get(id);
    if (this.options.owners) {
      if (!this.statuses.has(id)) return false;
      await this.send(session, { kind: "abort" });
      return true;
    }
    const runner = this.runners.get(id);
    if (!runner?.controller) return false;
    runner.controller.abort();
    return true;
  }

  /** Aborts every running turn and drops queued ones; resolves when all turns have stopped. */
  async shutdown(): Promise<void> {
    const running: Promise<void>[] = [this.titles?.shutdown() ?? Promise.resolve()];
    for (const runner of this.runners.values()) {
      for (const queued of runner.queue.splice(0)) queued.reject(new CoreError("conflict", "The server is stopping."));
      runner.controller?.abort();
      if (runner.current) running.push(runner.current);
    }
    await Promise.all(running);
  }

  async fork(id: string, messageID?: string): Promise<Session> {
    const source = await this.get(id);
    const history = await this.store.listMessages(id);
    const todos = await this.store.getTodos(id);
    const forked = await this.create({ directory: source.directory, title: `${source.title} (fork)` });
    const idMap = new Map<string, string>();
    // The copied history is written at once, not announced message by message: clients read the new session.
    await this.store.commit(this.scope(forked), (tx) => {
      for (const { info, parts } of history) {
        if (messageID && info.id >= messageID) break;
        const newMessageID = newId("msg", this.options.now());
        idMap.set(info.id, newMessageID);
        const copy =
          info.role === "assistant"
            ? { ...info, id: newMessageID, sessionID: forked.id, parentID: idMap.get(info.parentID) ?? info.parentID }
            : { ...info, id: newMessageID, sessionID: forked.id };
        tx.putMessage(copy);
        for (const part of parts) {
          tx.putPart({
            ...part,
            id: newId("prt", this.options.now()),
            sessionID: forked.id,
            messageID: newMessageID,
          });
        }
      }
      tx.setTodos(forked.id, todos);
    });
    return forked;
  }

  /**
   * Per-file changes the session made (from its snapshots: tools and commands alike; without snapshots, its edit and
   * write tools); `messageID` narrows it to that prompt's turn.
   */
  async diff(id: string, messageID?: string): Promise<FileDiff[]> {
    return this.reverts.diff(await this.get(id), messageID);
  }

  /** Puts the files back as they were before `messageID` (or its part) and hides the messages from it on. */
  async revert(id: string, input: RevertInput): Promise<Session> {
    const session = await this.get(id);
    if (this.options.owners) {
      // The files are where the owner runs.
      return (await ownerAnswer(
        this.options.owners,
        await this.send(session, { kind: "revert", ...input }),
      )) as Session;
    }
    return this.inOrder(id, async () => this.reverts.revert(await this.get(id), input));
  }

  /** Undoes a revert: the files as the revert found them, the messages shown again. */
  async unrevert(id: string, force?: boolean): Promise<Session> {
    const session = await this.get(id);
    if (this.options.owners) {
      return (await ownerAnswer(this.options.owners, await this.send(session, { kind: "unrevert", force }))) as Session;
    }
    return this.inOrder(id, async () => this.reverts.unrevert(await this.get(id), force));
  }

  /**
   * Cluster mode, workers: queues the turn of a prompt an API node stored (its user message `userID`), as if it had
   * been submitted here. Resolves once queued; `done` when the turn has run.
   */
  async submitStored(
    id: string,
    userID: string,
    known: StoredTurnState = {},
  ): Promise<{ done: Promise<PromptResult> }> {
    const session = known.session ?? (await this.get(id));
    const user = known.user ?? (await this.store.getMessage(id, userID))?.info;
    if (user?.role !== "user" || user.id !== userID) throw notFound("Message", userID);
    const model = await this.options.resolveModel(user.model ?? sessionModel(session));
    await this.options.turns.gate.expireOrphans(session.id, session.directory, known.pending);
    const done = new Promise<PromptResult>((resolve, reject) =>
      this.enqueue(session, { model, user, resolve, reject }, session),
    );
    return { done };
  }

  /** Cluster mode, API nodes: passes `command` to the session's owner; the item's id. */
  private send(session: Session, command: OwnerCommand): Promise<number> {
    return (this.options.owners as OwnerDispatch).send(session, command);
  }

  /**
   * Cluster mode, API nodes: the end of the turn an owner runs for item `itemID`, read back from the store (the
   * prompt's user message when known here; else the one the owner names), unless the owner's answer carries it.
   */
  async ownerTurn(itemID: number, id: string, user?: UserMessage): Promise<PromptResult> {
    const result = (await ownerAnswer(this.options.owners as OwnerDispatch, itemID)) as RemoteTurnResult;
    const last = result.last ?? (result.lastID ? await this.store.getMessage(id, result.lastID) : undefined);
    const asked = user ?? ((await this.store.getMessage(id, result.userID))?.info as UserMessage | undefined);
    if (!asked) throw notFound("Message", result.userID);
    return { user: asked, finish: result.finish as PromptResult["finish"], last, error: result.error };
  }

  /**
   * Queues the turn, and starts the session's runner if none runs. `current`: the session row as the caller just
   * read it, with nothing of its own written to the row since; a runner started here begins with it instead of
   * reading it again.
   */
  private enqueue(session: Session, turn: QueuedTurn, current?: Session): void {
    let runner = this.runners.get(session.id);
    if (!runner) {
      runner = { queue: [] };
      this.runners.set(session.id, runner);
    }
    runner.queue.push(turn);
    if (!runner.current) runner.current = this.drain(session.id, runner, current);
  }

  private async drain(sessionID: string, runner: SessionRunner, current?: Session): Promise<void> {
    let session = current ?? (await this.get(sessionID));
    this.setStatus(session, { type: "busy" });
    // The last turn's caller hears of its end only once the session is idle (status, session.idle, and the
    // updated time announced), as a client that waits for the reply and then looks at the session expects.
    let settleLast: (() => void) | undefined;
    try {
      for (let turn = runner.queue.shift(); turn; turn = runner.queue.shift()) {
        // Another turn follows: the one before it is settled now.
        settleLast?.();
        settleLast = undefined;
        const controller = new AbortController();
        runner.controller = controller;
        const unlink = linkAbort(turn.signal, controller);
        let settle: () => void;
        let written: Promise<void> | undefined;
        try {
          await this.starts.next("turn");
          const { written: lastWrite, ...result } = await this.runOne(session, turn, controller.signal);
          written = lastWrite;
          settle = () => turn?.resolve(result);
        } catch (error) {
          settle = () => turn?.reject(error);
        }
        unlink();
        runner.controller = undefined;
        // The next turn starts from the session as it is now; with none queued (checked before anything is
        // awaited, so none can slip in), the loop ends and the read would be wasted.
        const another = runner.queue.length > 0;
        // The turn's last write, which may still be on its way, fails the turn if it fails. A worker's last turn
        // does not wait for it: its idle edit is queued at once (its announcements are relayed through the store, in
        // order after that write), so on a store with slow round trips the two, and the turn's result, can share one
        // transaction. Elsewhere the idle announcements, published at once, must come after the write's events.
        if (written && (another || !this.options.settleWithIdle)) {
          settle = await written.then(
            () => settle,
            (error: unknown) => () => turn?.reject(error),
          );
        } else {
          // A worker's: should it fail, the store fails the turn's result riding after it (PostgresStore's
          // runCommits), in the same transaction or waiting for the next.
          written?.catch(() => {});
        }
        if (another) session = (await this.store.getSession(sessionID).catch(() => undefined)) ?? session;
        settleLast = settle;
      }
    } finally {
      runner.current = undefined;
      this.runners.delete(sessionID);
      // One read serves the idle announcements and the touch: editSession's, in order with the session's other
      // row edits, so the touch still writes over the row as it is then.
      // The announcements once, though a touch refused as stale is redone.
      let announced = false;
      const idle = this.editSession(sessionID, (current) => {
        if (!announced) {
          announced = true;
          this.setStatus(current, { type: "idle" });
          this.bus.publish("session.idle", { sessionID }, this.scope(current));
        }
        return this.touched(current);
      }).catch(() => {});
      // A worker's result rides in the idle edit's transaction (with the turn's last write when that still waits).
      if (this.options.settleWithIdle) settleLast?.();
      await idle;
      if (!this.options.settleWithIdle) settleLast?.();
    }
  }

  private async runOne(session: Session, turn: QueuedTurn, signal: AbortSignal): Promise<PromptResult & TurnOutcome> {
    const { user } = turn;
    if (turn.task) return turn.task(session, signal);
    const status = (status: SessionStatus) => this.setStatus(session, status);
    const request: TurnRequest = {
      session,
      user,
      model: turn.model,
      agent: user.agent ?? this.options.turns.agentsIn(session.directory).defaultAgent,
      signal,
      status,
    };
    const ended = await turn.before?.(this.options.turns, request);
    if (ended) return { ...ended, user };
    const outcome = await runTurn(this.options.turns, request, turn.resume);
    return { ...outcome, user };
  }

  /** The session's first prompt set `fallback` as its title: a model writes a better one, unless it is a child's. */
  private writeTitle(session: Session, fallback: string, input: PromptInput, model: ResolvedModel): void {
    if (!this.titles || session.parentID) return;
    const text = input.parts
      .flatMap((part) => (part.type === "text" && !part.synthetic ? [part.text.trim()] : []))
      .filter(Boolean)
      .join("\n");
    if (!text) return;
    this.titles.start({
      sessionID: session.id,
      directory: session.directory,
      text,
      model,
      // Only over the title this prompt set: a title the user gave meanwhile (PATCH) is theirs.
      apply: async (title) => {
        await this.editSession(session.id, (current) =>
          current.title === fallback && title !== fallback ? { ...current, title } : undefined,
        );
      },
    });
  }

  /** Resolves once the titles being written now have arrived or failed. */
  titlesSettled(): Promise<void> {
    return this.titles?.settled() ?? Promise.resolve();
  }

  /** Stores the prompt's user message; with `queueTurn`, through it (the owner's item in the same commit). */
  private async recordUserMessage(
    session: Session,
    input: PromptInput,
    model: ResolvedModel,
    queueTurn?: (user: UserMessage, record: OwnerRecord) => Promise<number>,
  ): Promise<{ user: UserMessage; fallbackTitle?: string; itemID?: number }> {
    const now = this.options.now();
    // Ids a client chooses must be new: an id stored anywhere (this session or another) is a conflict, never a
    // rewrite of that row (DESIGN.md §3, "Ids belong to their session"). The store refuses such writes as well.
    if (input.messageID && (await this.store.messageOwner(input.messageID))) {
      throw new CoreError("conflict", `Message id already exists: ${input.messageID}`);
    }
    for (const part of input.parts) {
      if (part.id && (await this.store.partOwner(part.id)))
        throw new CoreError("conflict", `Part id already exists: ${part.id}`);
    }
    const user: UserMessage = {
      id: input.messageID ?? newId("msg", now),
      sessionID: session.id,
      role: "user",
      time: { created: now },
      agent: input.agent ?? this.options.turns.agentsIn(session.directory).defaultAgent,
      model: { providerID: model.providerID, modelID: model.modelID },
      system: input.system,
      tools: input.tools,
    };
    const parts: Part[] = input.parts.map((input) => ({
      ...input,
      id: input.id ?? newId("prt", this.options.now()),
      sessionID: session.id,
      messageID: user.id,
    }));
    const write = (tx: StoreWrites) => {
      tx.putMessage(user);
      tx.emit("message.updated", { sessionID: session.id, info: user });
      for (const part of parts) {
        tx.putPart(part);
        tx.emit("message.part.updated", { sessionID: session.id, part, time: now });
      }
    };
    let itemID: number | undefined;
    try {
      if (queueTurn) itemID = await queueTurn(user, { scope: this.scope(session), write });
      else await this.store.commit(this.scope(session), write);
    } catch (error) {
      if (error instanceof IdConflictError) throw new CoreError("conflict", error.message);
      throw error;
    }
    return { user, fallbackTitle: await this.titleFromFirstPrompt(session, parts), itemID };
  }

  /** The first prompt's first line becomes the title at once; answers it when it was set. */
  private async titleFromFirstPrompt(session: Session, parts: Part[]): Promise<string | undefined> {
    // Read just before: later prompts cost no more than this check.
    if (!session.title.startsWith(DEFAULT_TITLE_PREFIX)) return undefined;
    const text = parts.find((part) => part.type === "text")?.text?.trim();
    if (!text) return undefined;
    const firstLine = text.split("\n")[0];
    const title = firstLine.length > 60 ? `${firstLine.slice(0, 57)}...` : firstLine;
    let set = false;
    await this.editSession(session.id, (current) => {
      if (!current.title.startsWith(DEFAULT_TITLE_PREFIX)) return undefined;
      set = true;
      return this.touched({ ...current, title });
    });
    return set ? title : undefined;
  }
}

/** What the schema cannot know: ids are not repeated, attachments can be read back (the agent is the registry's). */
function checkPromptInput(input: PromptInput): void {
  const partIDs = new Set<string>();
  for (const part of input.parts) {
    if (part.id !== undefined) {
      if (partIDs.has(part.id)) throw new CoreError("bad_request", `Part id given twice: ${part.id}`);
      partIDs.add(part.id);
    }
    const problem = part.type === "file" ? attachmentProblem(part) : undefined;
    if (problem) throw new CoreError("bad_request", `File part not accepted: ${problem}`);
  }
}

/** Aborts `controller` when `signal` aborts (at once when it already has); answers how to stop listening. */
function linkAbort(signal: AbortSignal | undefined, controller: AbortController): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    controller.abort();
    return () => {};
  }
  const abort = () => controller.abort();
  signal.addEventListener("abort", abort, { once: true });
  return () => signal.removeEventListener("abort", abort);
}

function sessionModel(session: Session): ModelRef | undefined {
  return session.model ? { providerID: session.model.providerID, modelID: session.model.id } : undefined;
}

const SLUG_WORDS = ["brave", "calm", "clever", "eager", "gentle", "mighty", "quiet", "swift", "bright", "bold"];
const SLUG_NOUNS = ["star", "river", "harbor", "forest", "comet", "meadow", "falcon", "island", "canyon", "reef"];

function slugFor(now: number): string {
  return `${SLUG_WORDS[now % SLUG_WORDS.length]}-${SLUG_NOUNS[Math.floor(now / 7) % SLUG_NOUNS.length]}`;
}
