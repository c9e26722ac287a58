import { Box, Text, useApp, useInput } from "ink";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { descendantsOf, type MoorClient } from "../client/index.js";
import { visibleMessages } from "../client/undo-redo.js";
import { initialView, viewReducer } from "../client/view-model.js";
import { type PermissionReply, parseSlashCommand, type Session } from "../protocol/index.js";
import { PermissionPrompt } from "./PermissionPrompt.js";
import { PromptInput } from "./PromptInput.js";
import { SessionPicker } from "./SessionPicker.js";
import { StatusLine } from "./StatusLine.js";
import { Transcript } from "./Transcript.js";
import { TrustBanner } from "./TrustBanner.js";
import { undoRedoCommand } from "./undo-redo-command.js";
import { CLIENT_COMMANDS, useServerCommands } from "./useCommands.js";
import { usePrimaryAgents } from "./usePrimaryAgents.js";

export interface AppProps {
  client: MoorClient;
  url: string;
  initialSession?: Session;
  /** Give up (exit with a message) after the server has been unreachable this long. */
  giveUpAfterMs: number;
  onExit(message?: string, failed?: boolean): void;
}

export function App({ client, url, initialSession, giveUpAfterMs, onExit }: AppProps) {
  const { exit } = useApp();
  const [view, dispatch] = useReducer(viewReducer, initialView);
  const viewRef = useRef(view);
  viewRef.current = view;
  const [expanded, setExpanded] = useState(false);
  // The agent for the next prompt, one of the server's primary agents (the server enforces what each may do).
  const agents = usePrimaryAgents(client);
  const [agentIndex, setAgentIndex] = useState(0);
  const serverCommands = useServerCommands(client);
  const agent = agents.length > 0 ? agents[agentIndex % agents.length] : undefined;
  const [picker, setPicker] = useState<{ sessions: Session[]; selected: number } | undefined>();
  const sessionRef = useRef<string | undefined>(initialSession?.id);
  const lostSince = useRef<number | undefined>(undefined);

  const joins = useRef(0);
  // Resolves once the event stream is open: a snapshot read before the server subscribed this client could miss
  // what is published in between (src/client/join.ts).
  const streamOpen = useRef<{ promise: Promise<void>; resolve: () => void }>(undefined);
  if (!streamOpen.current) {
    let resolve = () => {};
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    streamOpen.current = { promise, resolve };
  }

  const open = useCallback(
    async (session: Session) => {
      sessionRef.current = session.id;
      await streamOpen.current?.promise;
      const join = ++joins.current;
      dispatch({ type: "joining", join });
      try {
        // The snapshot first, then the rest: status and permissions read after it are at least as new, and the
        // held events re-applied over them carry absolute values.
        const { messages, eventId } = await client.messageSnapshot(session.id);
        const [statuses, permissions, descendants] = await Promise.all([
          client.statuses(),
          client.permissions(),
          // Child sessions' questions are shown here too; a server without the route just shows this session's.
          descendantsOf((id) => client.children(id), session.id).catch(() => []),
        ]);
        dispatch({
          type: "open",
          session,
          messages,
          eventId,
          join,
          busy: Boolean(statuses[session.id]),
          permissions,
          descendants,
        });
      } catch (error) {
        dispatch({ type: "joinFailed", join });
        throw error;
      }
    },
    [client],
  );

  useEffect(() => {
    if (initialSession)
      void open(initialSession).catch((error) => dispatch({ type: "notice", text: String(error.message) }));
    const stream = client.events({
      onEvent: (event, id) => dispatch({ type: "event", event, id }),
      onState: (state, detail) => {
        if (state === "open") {
          streamOpen.current?.resolve();
          lostSince.current = undefined;
          dispatch({ type: "connection", state: "connected" });
        } else if (state === "reconnecting") {
          lostSince.current ??= Date.now();
          dispatch({ type: "connection", state: "reconnecting", detail });
        } else if (state === "closed") dispatch({ type: "connection", state: "closed" });
      },
      onResync: () => {
        // The server restarted or we were away too long: what is on screen is refetched.
        const id = sessionRef.current;
        if (id)
          void client
            .getSession(id)
            .then(open)
            .catch(() => {});
      },
    });
    return () => stream.close();
  }, [client, initialSession, open]);

  const quit = useCallback(
    (message?: string, failed = false) => {
      onExit(message, failed);
      exit();
    },
    [exit, onExit],
  );

  useEffect(() => {
    const timer = setInterval(() => {
      if (lostSince.current !== undefined && Date.now() - lostSince.current > giveUpAfterMs) {
        quit(`lost the server at ${url} for ${Math.round(giveUpAfterMs / 1000)} s; giving up`, true);
      }
    }, 250);
    return () => clearInterval(timer);
  }, [giveUpAfterMs, quit, url]);

  const showPicker = useCallback(async () => {
    const sessions = await client.listSessions();
    setPicker({ sessions, selected: 0 });
  }, [client]);

  const send = useCallback(
    async (text: string) => {
      const trimmed = text.trim();
      if (trimmed === "/detach" || trimmed === "/quit") return quit("detached; the server keeps working");
      if (trimmed === "/sessions") return showPicker();
      const undone = await undoRedoCommand(trimmed, client, viewRef.current);
      if (undone) return dispatch({ type: "notice", text: undone });
      if (trimmed === "/resume") {
        // Continues a turn a server restart interrupted (completed tool calls are not repeated).
        if (sessionRef.current) await client.resume(sessionRef.current);
        return;
      }
      if (trimmed === "/compact") {
        // Runs after a turn in progress (the server queues it); the summary shows in the transcript when written.
        if (!sessionRef.current) return;
        dispatch({ type: "notice", text: "compacting…" });
        await client.summarize(sessionRef.current);
        return;
      }
      if (trimmed === "/new") {
        const session = await client.createSession({});
        return open(session);
      }
      if (!trimmed) return;
      let id = sessionRef.current;
      if (!id) {
        const session = await client.createSession({});
        await open(session);
        id = session.id;
      }
      dispatch({ type: "notice", text: undefined });
      const command = parseSlashCommand(trimmed);
      if (command && serverCommands.some((known) => known.name === command.name)) {
        // The call returns when the command's turn has run; its progress arrives as events meanwhile.
        void client
          .command(id, { command: command.name, arguments: command.arguments, agent: agent?.name })
          .catch((error) => dispatch({ type: "notice", text: `error: ${error.message}` }));
        return;
      }
      await client.promptAsync(id, { agent: agent?.name, parts: [{ type: "text", text }] });
    },
    [client, open, quit, showPicker, agent, serverCommands],
  );

  const answer = useCallback(
    (reply: PermissionReply) => {
      const request = view.permissions[0];
      if (request) void client.replyPermission(request.id, reply).catch(() => {});
    },
    [client, view.permissions],
  );

  useInput((input, key) => {
    if (picker) {
      if (key.escape) setPicker(undefined);
      else if (key.upArrow) setPicker({ ...picker, selected: Math.max(0, picker.selected - 1) });
      else if (key.downArrow)
        setPicker({ ...picker, selected: Math.min(picker.sessions.length - 1, picker.selected + 1) });
      else if (key.return && picker.sessions[picker.selected]) {
        void open(picker.sessions[picker.selected]);
        setPicker(undefined);
      } else if (input === "n") {
        void client.createSession({}).then(open);
        setPicker(undefined);
      }
      return;
    }
    if (key.ctrl && input === "o") setExpanded((value) => !value);
    if (key.ctrl && input === "s") void showPicker();
  });

  const busy = view.status.type !== "idle";
  return (
    <Box flexDirection="column">
      <Transcript messages={visibleMessages(view.messages, view.session?.revert)} expanded={expanded} />
      {picker ? <SessionPicker sessions={picker.sessions} selected={picker.selected} /> : null}
      {view.permissions[0] ? (
        <PermissionPrompt request={view.permissions[0]} fromChild={view.permissions[0].sessionID !== view.sessionID} />
      ) : null}
      {busy ? <Text color="yellow">working… (Ctrl+C to abort)</Text> : null}
      <TrustBanner client={client} />
      <PromptInput
        active={!picker}
        permissionPending={view.permissions.length > 0}
        onSubmit={(text) =>
          void send(text).catch((error) => dispatch({ type: "notice", text: `error: ${error.message}` }))
        }
        onAnswer={answer}
        onInterrupt={(empty) => {
          if (busy && sessionRef.current) void client.abort(sessionRef.current);
          else if (empty) quit("detached; the server keeps working");
        }}
        onDetach={() => quit("detached; the server keeps working")}
        commands={[...CLIENT_COMMANDS, ...serverCommands]}
        onTab={() => {
          if (agents.length > 0) setAgentIndex((current) => (current + 1) % agents.length);
        }}
      />
      <StatusLine
        view={view}
        url={url}
        agent={agent?.name}
        // The default (first) agent plain; another stands out, in its own color if the config gives one.
        agentColor={agent && agentIndex % agents.length !== 0 ? (agent.color ?? "magenta") : undefined}
      />
    </Box>
  );
}
