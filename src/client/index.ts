// MoorClient: typed REST + SSE for a running moor (or OpenCode) server. Imports only protocol, so it runs in the
// terminal UI, in `moor run --attach` and in the web page alike.
import type {
  Agent,
  Command,
  CommandInput,
  FileDiff,
  MessageWithParts,
  PermissionReply,
  PermissionRequest,
  PromptInput,
  Session,
  SessionStatus,
  Todo,
} from "../protocol/index.js";
import { SNAPSHOT_HEADER } from "../protocol/index.js";
import type { McpStatusMap } from "../protocol/mcp.js";
import type { TrustState } from "../protocol/trust.js";
import { EventStream, type EventStreamOptions } from "./events.js";
import { type ClientOptions, requestJson } from "./http.js";
import type { SessionPageQuery, SessionPageResult } from "./session-pages.js";

export { completeSlash, type SlashEntry, slashMatches } from "./command-completion.js";
export { type ConnectionState, EventStream, type EventStreamOptions } from "./events.js";
export { type ClientOptions, MoorClientError } from "./http.js";
export { type HeldEvent, isAfterSnapshot, SnapshotJoin } from "./join.js";
export { type McpServerLine, mcpServerLines, mcpSummary } from "./mcp-summary.js";
export { descendantsOf, growFamily, permissionSessionOf } from "./session-family.js";
export {
  addPage,
  emptySessions,
  hasMore,
  type LoadedSessions,
  removeSession,
  SESSION_PAGE_SIZE,
  type SessionPageQuery,
  type SessionPageResult,
  sortNewestFirst,
  upsertSession,
} from "./session-pages.js";
export { applyTranscriptEvent, type TranscriptMessage } from "./transcript.js";
export { SNAPSHOT_HEADER };

/** Set by moor on a page of GET /session when more follow (OpenCode's server sends everything, without it). */
const NEXT_CURSOR_HEADER = "x-moor-next-cursor";

export interface MessageSnapshot {
  messages: MessageWithParts[];
  /** The event id the snapshot reflects, up to and including; undefined from a server that does not say. */
  eventId: string | undefined;
}

export interface ProviderList {
  providers: { id: string; name: string; models: Record<string, { id: string; name: string }> }[];
  default: Record<string, string>;
}

export class MoorClient {
  constructor(readonly options: ClientOptions) {}

  withDirectory(directory: string): MoorClient {
    return new MoorClient({ ...this.options, directory });
  }

  private request<T>(method: string, path: string, body?: unknown, timeoutMs?: number | null): Promise<T> {
    return requestJson<T>(this.options, method, path, body, { timeoutMs });
  }

  health(timeoutMs?: number): Promise<{ healthy: boolean; version: string }> {
    return this.request("GET", "global/health", undefined, timeoutMs);
  }

  listSessions(): Promise<Session[]> {
    const query = this.options.directory ? `?directory=${encodeURIComponent(this.options.directory)}` : "";
    return this.request("GET", `session${query}`);
  }

  /** One page of sessions, newest first; pass the result's `cursor` back for the next (session-pages.ts). */
  async sessionPage(query: SessionPageQuery = {}): Promise<SessionPageResult> {
    const params = new URLSearchParams();
    if (this.options.directory) params.set("directory", this.options.directory);
    if (query.limit !== undefined) params.set("limit", String(query.limit));
    if (query.cursor) params.set("cursor", query.cursor);
    if (query.search?.trim()) params.set("search", query.search.trim());
    if (query.roots) params.set("roots", "true");
    let cursor: string | undefined;
    const sessions = await requestJson<Session[]>(this.options, "GET", `session?${params}`, undefined, {
      headers: (headers) => (cursor = headers.get(NEXT_CURSOR_HEADER) ?? undefined),
    });
    return { sessions, cursor };
  }

  createSession(input: { title?: string; parentID?: string } = {}): Promise<Session> {
    return this.request("POST", "session", input);
  }

  getSession(id: string): Promise<Session> {
    return this.request("GET", `session/${encodeURIComponent(id)}`);
  }

  updateSession(id: string, patch: { title?: string }): Promise<Session> {
    return this.request("PATCH", `session/${encodeURIComponent(id)}`, patch);
  }

  deleteSession(id: string): Promise<boolean> {
    return this.request("DELETE", `session/${encodeURIComponent(id)}`);
  }

  statuses(): Promise<Record<string, SessionStatus>> {
    return this.request("GET", "session/status");
  }

  messages(id: string): Promise<MessageWithParts[]> {
    return this.request("GET", `session/${encodeURIComponent(id)}/message`);
  }

  /** The messages and the event id they were read at: join them to a stream with SnapshotJoin (join.ts). */
  async messageSnapshot(id: string): Promise<MessageSnapshot> {
    let eventId: string | undefined;
    const messages = await requestJson<MessageWithParts[]>(
      this.options,
      "GET",
      `session/${encodeURIComponent(id)}/message`,
      undefined,
      { headers: (headers) => (eventId = headers.get(SNAPSHOT_HEADER) ?? undefined) },
    );
    return { messages, eventId };
  }

  todos(id: string): Promise<Todo[]> {
    return this.request("GET", `session/${encodeURIComponent(id)}/todo`);
  }

  /** The sessions created with this one as their parent. */
  children(id: string): Promise<Session[]> {
    return this.request("GET", `session/${encodeURIComponent(id)}/children`);
  }

  diff(id: string): Promise<FileDiff[]> {
    return this.request("GET", `session/${encodeURIComponent(id)}/diff`);
  }

  /** Sends a prompt and waits for the turn to end (no timeout: turns can be long). */
  prompt(id: string, input: PromptInput): Promise<MessageWithParts> {
    return this.request("POST", `session/${encodeURIComponent(id)}/message`, input, null);
  }

  /** Starts a turn and returns at once; follow it with events(). */
  promptAsync(id: string, input: PromptInput): Promise<void> {
    return this.request("POST", `session/${encodeURIComponent(id)}/prompt_async`, input);
  }

  /** Runs a slash command as the session's next prompt and waits for its turn (OpenCode's session.command). */
  command(id: string, input: CommandInput): Promise<MessageWithParts> {
    return this.request("POST", `session/${encodeURIComponent(id)}/command`, input, null);
  }

  /** The slash commands for the client's directory (or the server's). */
  commands(): Promise<Command[]> {
    return this.request("GET", "command");
  }

  abort(id: string): Promise<boolean> {
    return this.request("POST", `session/${encodeURIComponent(id)}/abort`);
  }

  /**
   * Compacts the session (POST /session/:id/summarize): the server writes a summary the model sees the history from.
   * No timeout: the summary is a model call. Without a model the server uses the session's last one.
   */
  summarize(id: string, model?: { providerID: string; modelID: string }): Promise<boolean> {
    return this.request("POST", `session/${encodeURIComponent(id)}/summarize`, model ?? {}, null);
  }

  /** Undoes the file changes from `messageID` on and hides those messages (409 while a turn runs, or on conflicts). */
  revert(id: string, body: { messageID: string; partID?: string; force?: boolean }): Promise<Session> {
    return this.request("POST", `session/${encodeURIComponent(id)}/revert`, body);
  }

  /** Undoes a revert: the files and messages as they were before it. */
  unrevert(id: string): Promise<Session> {
    return this.request("POST", `session/${encodeURIComponent(id)}/unrevert`);
  }

  /** A new session with a copy of this one's messages (up to `messageID` when given). */
  fork(id: string, messageID?: string): Promise<Session> {
    return this.request("POST", `session/${encodeURIComponent(id)}/fork`, messageID ? { messageID } : {});
  }

  resume(id: string): Promise<unknown> {
    return this.request("POST", `session/${encodeURIComponent(id)}/resume`);
  }

  permissions(): Promise<PermissionRequest[]> {
    return this.request("GET", "permission");
  }

  replyPermission(requestID: string, reply: PermissionReply, message?: string): Promise<boolean> {
    return this.request("POST", `permission/${encodeURIComponent(requestID)}/reply`, { reply, message });
  }

  providers(): Promise<ProviderList> {
    return this.request("GET", "config/providers");
  }

  /** The server's agents (GET /agent); `primaryAgents` picks the ones a user chooses from. */
  agents(): Promise<Agent[]> {
    return this.request("GET", "agent");
  }

  /** Whether the server's project directory is trusted, and what its config was not allowed to set (moor only). */
  trustState(): Promise<TrustState> {
    return this.request("GET", "trust");
  }

  /** Trusts the server's project directory; the server applies its config at once. */
  trust(): Promise<TrustState> {
    return this.request("POST", "trust", {});
  }

  /** The MCP servers' status by name (GET /mcp, OpenCode's shape; moor adds a connected server's tool count). */
  mcpStatus(): Promise<McpStatusMap> {
    return this.request("GET", "mcp");
  }

  events(options: EventStreamOptions): EventStream {
    return new EventStream(this.options, options);
  }
}
