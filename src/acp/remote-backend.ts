import type { EventStream } from "../client/index.js";
import { MoorClient } from "../client/index.js";
import type { MessageWithParts, MoorEvent } from "../protocol/index.js";
import type { AcpBackend, PromptOutcome } from "./backend.js";

/** ACP in front of a running `moor serve`: sessions live in that server and outlast the editor. */
export function remoteBackend(options: { url: string; password?: string; username?: string }): AcpBackend {
  const client = new MoorClient({ baseUrl: options.url, password: options.password, username: options.username });
  const listeners = new Map<string, Set<(event: MoorEvent) => void>>();
  const everyEvent = new Set<(event: MoorEvent) => void>();
  let stream: EventStream | undefined;
  let markConnected: () => void = () => {};
  // Prompts wait for the event stream to be open, so no event of their turn is missed.
  const connected = new Promise<void>((resolve) => {
    markConnected = resolve;
  });
  const ensureStream = () => {
    stream ??= client.events({
      onEvent: (event) => {
        if (event.type === "server.connected") markConnected();
        for (const listener of everyEvent) listener(event);
        const properties = event.properties as { sessionID?: string; part?: { sessionID?: string } };
        const sessionID = properties.sessionID ?? properties.part?.sessionID;
        if (!sessionID) return;
        for (const listener of listeners.get(sessionID) ?? []) listener(event);
      },
    });
  };
  return {
    createSession: (cwd) => client.withDirectory(cwd).createSession({}),
    getSession: (id) => client.getSession(id),
    listSessions: () => client.listSessions(),
    messages: (id) => client.messages(id),
    prompt: async (id, input) => {
      ensureStream();
      await connected;
      return outcomeOf(await client.prompt(id, input));
    },
    command: async (id, input) => {
      ensureStream();
      await connected;
      return outcomeOf(await client.command(id, input));
    },
    commands: (directory) => client.withDirectory(directory).commands(),
    abort: async (id) => {
      await client.abort(id);
    },
    subscribe: (sessionID, listener) => {
      ensureStream();
      let set = listeners.get(sessionID);
      if (!set) {
        set = new Set();
        listeners.set(sessionID, set);
      }
      set.add(listener);
      return () => set.delete(listener);
    },
    subscribeAll: (listener) => {
      ensureStream();
      everyEvent.add(listener);
      return () => everyEvent.delete(listener);
    },
    children: (id) => client.children(id),
    fork: (id) => client.fork(id),
    replyPermission: async (requestID, reply) => {
      await client.replyPermission(requestID, reply);
    },
    agents: async () => ({ agents: await client.agents(), defaultAgent: undefined }),
    close: async () => {
      stream?.close();
    },
  };
}

/** A turn's last message → how it ended. */
function outcomeOf(last: MessageWithParts): PromptOutcome {
  const info = last.info.role === "assistant" ? last.info : undefined;
  if (info?.error)
    return { finish: info.error.name === "MessageAbortedError" ? "aborted" : "error", error: info.error };
  return { finish: info?.finish === "length" ? "length" : "stop" };
}
