import { toWireAgent } from "../core/agents/wire.js";
import type { Core } from "../core/index.js";
import type { MoorEvent } from "../protocol/index.js";
import type { AcpBackend } from "./backend.js";

/** The agent in this process: ACP over the core directly. */
export function localBackend(core: Core): AcpBackend {
  return {
    createSession: async (cwd) => core.sessions.create({ directory: cwd }),
    getSession: async (id) => core.sessions.get(id),
    listSessions: async () => core.sessions.list(),
    messages: async (id) => core.sessions.messages(id),
    prompt: async (id, input) => {
      const result = await core.sessions.prompt(id, input);
      return { finish: result.finish, error: result.error };
    },
    command: async (id, input) => {
      const result = await core.commands.run(id, input);
      return { finish: result.finish, error: result.error };
    },
    commands: async (directory) => core.commands.list(directory),
    abort: async (id) => {
      await core.sessions.abort(id);
    },
    subscribe: (sessionID, listener) =>
      core.bus.subscribe((envelope) => listener(envelope.event as MoorEvent), { sessionID }),
    subscribeAll: (listener) => core.bus.subscribe((envelope) => listener(envelope.event as MoorEvent)),
    children: async (id) => core.sessions.children(id),
    replyPermission: async (requestID, reply) => {
      await core.gate.reply(requestID, reply);
    },
    agents: async () => ({ agents: core.agents.list().map(toWireAgent), defaultAgent: core.agents.defaultAgent }),
    close: () => core.shutdown(),
    fork: (id) => core.sessions.fork(id),
    sessionMcpServers: (sessionID, servers) => core.mcp.addSessionServers(sessionID, servers),
    closeSessionMcpServers: (sessionID) => core.mcp.closeSession(sessionID),
  };
}
