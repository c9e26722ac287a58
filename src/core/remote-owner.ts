// Cluster mode (issue 20 §2): on an API node, the turns of a session run in the worker that owns it, not here. Core
// is given an OwnerDispatch (cli builds it on the PostgreSQL inbox and leases) and passes what needs the owner —
// a stored prompt's turn, resume, abort, summarize, commands, revert, permission answers — through it; the worker
// runs them on its own core and answers with an OwnerResult. Errors travel as {code, message} and become the same
// CoreError here, so a client sees the same 4xx from an API node as from a single server.
import type { OwnerCommand, OwnerResult, RemoteTurnResult, Session } from "../protocol/index.js";
import type { EventScope, StoreWrites } from "../storage/port.js";
import { CoreError } from "./errors.js";

export interface OwnerDispatch {
  /** Rejects with CoreError `no_worker` when no live worker serves the session's directory (checked before storing). */
  ready(session: Session): Promise<void>;
  /**
   * Passes `command` to the owner of `session` (whichever worker takes its lease); resolves with the item's id once
   * it is durable. Rejects with CoreError `no_worker` when no live worker serves the session's directory (a `turn`
   * is not checked again: its prompt passed ready() before it was stored). With `record`, its writes commit in the
   * same transaction as the item (a prompt's user message and its turn: one round trip, not two).
   */
  send(session: Session, command: OwnerCommand, record?: OwnerRecord): Promise<number>;
  /** Resolves with the owner's answer to the item, once this node's event stream has every event before it. */
  result(itemID: number): Promise<OwnerResult>;
  /**
   * The session as this node last saw it announced, without a round trip (undefined when it has not). `send` with a
   * `record` based on it writes only if the row is still that; else it rejects with StaleRowError, writing nothing.
   */
  announced?(sessionID: string): Session | undefined;
}

/** Writes that commit with an item (OwnerDispatch.send), as Store.commit takes them. */
export interface OwnerRecord {
  scope: EventScope;
  write(tx: StoreWrites): void;
}

/** The owner's answer as a value, or its error as the CoreError it was. */
export async function ownerAnswer(dispatch: OwnerDispatch, itemID: number): Promise<unknown> {
  const result = await dispatch.result(itemID);
  if (!result.ok) throw new CoreError(result.code, result.message);
  return result.value;
}

/** What a worker answers for an error its core raised (anything but a CoreError is said as an internal error). */
export function ownerError(error: unknown): OwnerResult {
  if (error instanceof CoreError) return { ok: false, code: error.code, message: error.message };
  const name = (error as Error)?.name;
  if (name === "UnknownModelError") return { ok: false, code: "unknown_model", message: (error as Error).message };
  if (name === "FencedError") {
    return { ok: false, code: "conflict", message: "The worker running this session lost it to another worker." };
  }
  return { ok: false, code: "internal", message: error instanceof Error ? error.message : String(error) };
}

export type { RemoteTurnResult };
