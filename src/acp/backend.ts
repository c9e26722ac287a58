// What the ACP agent needs from Moor, whether the agent runs in-process (local) or in front of a running server
// (remote, `moor acp --attach`). The agent translates; behaviour lives behind this interface (DESIGN.md §5.3).

import type { McpServerConfig } from "../core/mcp/server-config.js";
import type {
  Agent,
  Command,
  CommandInput,
  MessageError,
  MessageWithParts,
  MoorEvent,
  PermissionReply,
  PromptInput,
  Session,
} from "../protocol/index.js";

export interface PromptOutcome {
  /** stop | length | content-filter | max-steps | aborted | error | other */
  finish: string;
  error?: MessageError;
}

export interface AcpBackend {
  createSession(cwd: string): Promise<Session>;
  getSession(id: string): Promise<Session>;
  listSessions(): Promise<Session[]>;
  messages(id: string): Promise<MessageWithParts[]>;
  prompt(id: string, input: PromptInput): Promise<PromptOutcome>;
  /** Runs a slash command as the session's next prompt (POST /session/:id/command). */
  command(id: string, input: CommandInput): Promise<PromptOutcome>;
  /** The slash commands for sessions in a directory (GET /command). */
  commands(directory: string): Promise<Command[]>;
  abort(id: string): Promise<void>;
  /** Live events of one session; returns the unsubscribe function. */
  subscribe(sessionID: string, listener: (event: MoorEvent) => void): () => void;
  /** Live events of every session (a prompt follows its session's descendants' questions with it). */
  subscribeAll(listener: (event: MoorEvent) => void): () => void;
  /** The sessions created with this one as their parent. */
  children(id: string): Promise<Session[]>;
  replyPermission(requestID: string, reply: PermissionReply): Promise<void>;
  /**
   * The agents (GET /agent's list) and the one a prompt naming none runs under. Over HTTP the default is not named:
   * moor lists it first, so the first primary agent stands for it.
   */
  agents(): Promise<{ agents: Agent[]; defaultAgent: string | undefined }>;
  close(): Promise<void>;
  /** A new session holding a copy of this one's messages (POST /session/:id/fork). */
  fork?(id: string): Promise<Session>;
  /**
   * Starts an editor's MCP servers for one session (replacing those it passed before); resolves once each has
   * connected or failed once. Absent where servers cannot be started for a session (a remote backend).
   */
  sessionMcpServers?(sessionID: string, servers: Record<string, McpServerConfig>): Promise<void>;
  /** Ends the session's MCP servers (session/close). */
  closeSessionMcpServers?(sessionID: string): Promise<void>;
}
