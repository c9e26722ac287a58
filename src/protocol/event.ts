// The one event vocabulary (DESIGN.md §3) that feeds SSE, ACP, the TUI and the web page. Each entry says what it
// promises: "durable" means the state it announces is already in storage when it is published (a client that
// missed it can refetch); "replayable" means it is kept in the bus's replay ring for Last-Event-ID; a "hint" may be
// dropped or coalesced without losing state.
import type { HookRan } from "./hook.js";
import type { MessageError, MessageInfo, Part } from "./message.js";
import type { PermissionReply, PermissionRequest } from "./permission.js";
import type { FileDiff, Session, SessionStatus, Todo } from "./session.js";

export interface EventMap {
  /** First frame on every SSE stream. Not replayable. */
  "server.connected": Record<string, never>;
  /** Every 10 s on every SSE stream. Not replayable; a hint. */
  "server.heartbeat": Record<string, never>;
  /** The client's Last-Event-ID cannot be honoured (too old, or another server run): refetch state. */
  "server.resync": { reason: string };
  /** The server is going away (shutdown); the client should reconnect later. */
  "server.instance.disposed": { directory: string; reason?: string };
  /** Durable, replayable. */
  "session.created": { sessionID: string; info: Session };
  /** Durable, replayable. */
  "session.updated": { sessionID: string; info: Session };
  /** Durable, replayable. */
  "session.deleted": { sessionID: string; info: Session };
  /** Replayable; the current value is also at GET /session/status. */
  "session.status": { sessionID: string; status: SessionStatus };
  /** Replayable: the turn queue of the session is empty. */
  "session.idle": { sessionID: string };
  /** Replayable; the error is also recorded on the assistant message when there is one. */
  "session.error": { sessionID?: string; error: MessageError & { kind?: string } };
  /**
   * Durable (the summary message is written in the same commit), replayable: the session's history was compacted;
   * the model sees it from the newest summary message (`summary: true`) on.
   */
  "session.compacted": { sessionID: string };
  /** Replayable: published after each tool call that changed a file; the diff is also at GET /session/:id/diff. */
  "session.diff": { sessionID: string; diff: FileDiff[] };
  /** Durable, replayable. */
  "message.updated": { sessionID: string; info: MessageInfo };
  /** Durable (the row is deleted first), replayable: a prompt after a revert made it final (core/snapshots/). */
  "message.removed": { sessionID: string; messageID: string };
  /** Durable (the row is deleted first), replayable: a prompt after a revert from a part made it final. */
  "message.part.removed": { sessionID: string; messageID: string; partID: string };
  /** Durable (the part is written first), replayable. */
  "message.part.updated": { sessionID: string; part: Part; time?: number };
  /** Replayable; the text is flushed to storage at most ~200 ms later and at part end. */
  "message.part.delta": { sessionID: string; messageID: string; partID: string; field: "text"; delta: string };
  /** Durable (stored until answered), replayable. */
  "permission.asked": PermissionRequest;
  /** Durable, replayable. */
  "permission.replied": { sessionID: string; requestID: string; reply: PermissionReply };
  /** Durable, replayable. */
  "todo.updated": { sessionID: string; todos: Todo[] };
  /** Replayable hint: a tool wrote this file. */
  "file.edited": { file: string };
  /** Replayable hint: a language server published diagnostics for `path` (an absolute file path). */
  "lsp.client.diagnostics": { serverID: string; path: string };
  /**
   * Replayable hint: a file under a directory some client watches changed on disk, whoever changed it (absolute
   * path; bursts are coalesced per file, and a burst too large is cut).
   */
  "file.watcher.updated": { file: string; event: "add" | "change" | "unlink" };
  /** Replayable: a slash command's turn has run (its prompt is the message `messageID`, stored before). */
  "command.executed": { name: string; sessionID: string; arguments: string; messageID: string };
  /** Replayable hint: an MCP server's tools changed (connected, refreshed, dropped); GET /mcp has the status. */
  "mcp.tools.changed": { server: string };
  /** Replayable, not stored: a configured hook command ran (core/hooks/); clients show it folded in the transcript. */
  "hook.ran": HookRan;
}

export type EventType = keyof EventMap;

/** An event as sent on the wire (`/event`): `{type, properties}`, plus an id added by the SSE layer. */
export type MoorEvent = { [K in EventType]: { type: K; properties: EventMap[K] } }[EventType];

export type EventOf<K extends EventType> = { type: K; properties: EventMap[K] };

/** An event as held by the bus: sequence number and the directory it belongs to (for `/event` filtering). */
export interface BusEnvelope {
  seq: number;
  directory: string;
  sessionID?: string;
  event: MoorEvent;
}

export const EVENT_TYPES: readonly EventType[] = [
  "server.connected",
  "server.heartbeat",
  "server.resync",
  "server.instance.disposed",
  "session.created",
  "session.updated",
  "session.deleted",
  "session.status",
  "session.idle",
  "session.error",
  "session.compacted",
  "session.diff",
  "message.updated",
  "message.removed",
  "message.part.removed",
  "message.part.updated",
  "message.part.delta",
  "permission.asked",
  "permission.replied",
  "todo.updated",
  "file.edited",
  "file.watcher.updated",
  "command.executed",
  "mcp.tools.changed",
  "lsp.client.diagnostics",
  "hook.ran",
];
