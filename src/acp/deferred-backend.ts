// A backend that is still starting: `moor acp` answers `initialize` while the config, the store and the core load
// (issue 18 §5), and every call that needs the backend waits for it. Which optional parts it has must be known up
// front, since `initialize` advertises them.
import { RequestError } from "@agentclientprotocol/sdk/unstable";
import type { AcpBackend } from "./backend.js";

export function deferredBackend(ready: Promise<AcpBackend>, has: { sessionMcpServers: boolean }): AcpBackend {
  let backend: AcpBackend | undefined;
  const when = ready.then(
    (resolved) => {
      backend = resolved;
      return resolved;
    },
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      throw RequestError.internalError(undefined, `moor could not start: ${message.split("\n")[0]}`);
    },
  );
  // A failed start is reported by whoever awaits `ready` (the command); calls made meanwhile fail with it.
  when.catch(() => {});
  /** Listeners are added only after a call that awaited the backend (the session was looked up first). */
  const now = () => {
    if (!backend) throw new Error("moor is still starting");
    return backend;
  };
  const deferred: AcpBackend = {
    createSession: async (cwd) => (await when).createSession(cwd),
    getSession: async (id) => (await when).getSession(id),
    listSessions: async () => (await when).listSessions(),
    messages: async (id) => (await when).messages(id),
    prompt: async (id, input) => (await when).prompt(id, input),
    command: async (id, input) => (await when).command(id, input),
    commands: async (directory) => (await when).commands(directory),
    abort: async (id) => (await when).abort(id),
    subscribe: (sessionID, listener) => now().subscribe(sessionID, listener),
    subscribeAll: (listener) => now().subscribeAll(listener),
    children: async (id) => (await when).children(id),
    replyPermission: async (requestID, reply) => (await when).replyPermission(requestID, reply),
    agents: async () => (await when).agents(),
    close: async () => {
      await (await when.catch(() => undefined))?.close();
    },
    fork: async (id) => {
      const resolved = await when;
      if (!resolved.fork) throw new Error("this server cannot fork sessions");
      return resolved.fork(id);
    },
  };
  if (has.sessionMcpServers) {
    deferred.sessionMcpServers = async (sessionID, servers) => (await when).sessionMcpServers?.(sessionID, servers);
    deferred.closeSessionMcpServers = async (sessionID) => (await when).closeSessionMcpServers?.(sessionID);
  }
  return deferred;
}
