import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { Box, Text, useApp, useInput } from "ink";
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { descendantsOf, type MoorClient, mcpSummary } from "../client/index.js";
import { transcriptMarkdown } from "../client/transcript-markdown.js";
import { visibleMessages } from "../client/undo-redo.js";
import { initialView, viewReducer } from "../client/view-model.js";
import { type ModelRef, type PermissionReply, parseSlashCommand, type Session } from "../protocol/index.js";
import { FilterPicker } from "./FilterPicker.js";
import { HelpPanel } from "./HelpPanel.js";
import { PermissionPrompt } from "./PermissionPrompt.js";
import { PromptInput } from "./PromptInput.js";
import { QueuedPrompts } from "./QueuedPrompts.js";
import { SessionPicker } from "./SessionPicker.js";
import { StatusLine } from "./StatusLine.js";
import { Transcript } from "./Transcript.js";
import { TrustBanner } from "./TrustBanner.js";
import { TurnProgress } from "./TurnProgress.js";
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
  // What covers the prompt: a picker (sessions, models, agents) taking the keys until it is closed.
  const [overlay, setOverlay] = useState<
    { kind: "sessions" } | { kind: "models"; models: string[] } | { kind: "agents" } | undefined
  >();
  const [help, setHelp] = useState(false);
  // The model /model picked for the next prompts; until then the server's choice (the agent's or the default).
  const [model, setModel] = useState<ModelRef | undefined>();
  // Prompts typed while a turn runs wait here, shown and cancellable (Esc), and go out one at a time once the
  // session is idle: the server would queue them too, but a prompt it holds can no longer be taken back.
  const [queued, setQueued] = useState<string[]>([]);
  const [confirmQuit, setConfirmQuit] = useState(false);
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

  const showPicker = useCallback(async () => setOverlay({ kind: "sessions" }), []);

  const submitPrompt = useCallback(
    async (text: string) => {
      let id = sessionRef.current;
      if (!id) {
        const session = await client.createSession({});
        await open(session);
        id = session.id;
      }
      await client.promptAsync(id, { agent: agent?.name, model, parts: [{ type: "text", text }] });
    },
    [client, open, agent, model],
  );

  // The count of prompts on screen a queued prompt, once sent, must raise before the next one may go.
  const awaitedPrompts = useRef<number | undefined>(undefined);
  const userPrompts = view.messages.filter((message) => message.info.role === "user").length;
  useEffect(() => {
    if (awaitedPrompts.current !== undefined && userPrompts < awaitedPrompts.current) return;
    awaitedPrompts.current = undefined;
    if (view.status.type !== "idle" || view.permissions.length > 0 || queued.length === 0) return;
    const [next, ...rest] = queued;
    setQueued(rest);
    awaitedPrompts.current = userPrompts + 1;
    void submitPrompt(next).catch((error) => {
      awaitedPrompts.current = undefined;
      dispatch({ type: "notice", text: `error: ${error.message}` });
    });
  }, [view.status, view.permissions.length, queued, userPrompts, submitPrompt]);

  const send = useCallback(
    async (text: string) => {
      const trimmed = text.trim();
      setHelp(false);
      if (trimmed === "/detach" || trimmed === "/quit") return quit("detached; the server keeps working");
      if (trimmed === "/sessions") return showPicker();
      const undone = await undoRedoCommand(trimmed, client, viewRef.current);
      if (undone) return dispatch({ type: "notice", text: undone });
      if (trimmed === "/help") return setHelp(true);
      if (trimmed === "/model") {
        const { providers } = await client.providers();
        const models = providers.flatMap((provider) =>
          Object.values(provider.models).map((entry) => `${provider.id}/${entry.id}`),
        );
        return setOverlay({ kind: "models", models });
      }
      const slash = parseSlashCommand(trimmed);
      if (slash?.name === "agent") {
        if (!slash.arguments) return setOverlay({ kind: "agents" });
        const index = agents.findIndex((candidate) => candidate.name === slash.arguments);
        if (index === -1) return dispatch({ type: "notice", text: `unknown agent: ${slash.arguments}` });
        return setAgentIndex(index);
      }
      if (slash?.name === "export") {
        const current = viewRef.current;
        if (!current.session) return dispatch({ type: "notice", text: "no session to export" });
        const file = resolve(slash.arguments || `moor-${current.session.id}.md`);
        writeFileSync(file, transcriptMarkdown(current.session, current.messages));
        return dispatch({ type: "notice", text: `exported the transcript to ${file}` });
      }
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
      // Not offered in the `/` completion list (eight entries show): the server's commands keep their places there.
      if (trimmed === "/mcp") return dispatch({ type: "notice", text: mcpSummary(await client.mcpStatus()) });
      if (trimmed === "/new") {
        const session = await client.createSession({});
        return open(session);
      }
      if (!trimmed) return;
      dispatch({ type: "notice", text: undefined });
      const command = slash;
      if (command && serverCommands.some((known) => known.name === command.name)) {
        let id = sessionRef.current;
        if (!id) {
          const session = await client.createSession({});
          await open(session);
          id = session.id;
        }
        // The call returns when the command's turn has run; its progress arrives as events meanwhile.
        void client
          .command(id, {
            command: command.name,
            arguments: command.arguments,
            agent: agent?.name,
            model: model ? `${model.providerID}/${model.modelID}` : undefined,
          })
          .catch((error) => dispatch({ type: "notice", text: `error: ${error.message}` }));
        return;
      }
      // `/name` that is neither ours nor the server's is a mistyped command, not a prompt (a path such as
      // `/usr/bin/env …` has a second slash and is sent as text).
      if (command && /^[\w.:-]+$/.test(command.name))
        return dispatch({ type: "notice", text: `unknown command /${command.name} (/help lists the commands)` });
      if (viewRef.current.status.type !== "idle" || queued.length > 0) {
        setQueued((list) => [...list, text]);
        return;
      }
      await submitPrompt(text);
    },
    [client, open, quit, showPicker, agent, agents, model, serverCommands, submitPrompt, queued.length],
  );

  const answer = useCallback(
    (reply: PermissionReply) => {
      const request = view.permissions[0];
      if (request) void client.replyPermission(request.id, reply).catch(() => {});
    },
    [client, view.permissions],
  );

  useInput((input, key) => {
    if (confirmQuit && !(key.ctrl && input === "c")) setConfirmQuit(false);
    if (overlay) return;
    if (key.escape) {
      if (help) setHelp(false);
      else if (queued.length > 0) setQueued((list) => list.slice(0, -1));
      return;
    }
    if (key.ctrl && input === "o") setExpanded((value) => !value);
    if (key.ctrl && input === "s") void showPicker();
  });

  const busy = view.status.type !== "idle";
  return (
    <Box flexDirection="column">
      <Transcript
        messages={visibleMessages(view.messages, view.session?.revert)}
        expanded={expanded}
        hookRuns={view.hookRuns}
      />
      {overlay?.kind === "sessions" ? (
        <SessionPicker
          client={client}
          current={sessionRef.current}
          onOpen={(session) => {
            setOverlay(undefined);
            void open(session);
          }}
          onNew={() => {
            setOverlay(undefined);
            void client.createSession({}).then(open);
          }}
          onCancel={() => setOverlay(undefined)}
        />
      ) : null}
      {overlay?.kind === "models" ? (
        <FilterPicker
          title="Model for the next prompts"
          items={overlay.models.map((name) => ({ key: name, label: name }))}
          onPick={(name) => {
            const [providerID, ...rest] = name.split("/");
            setModel({ providerID, modelID: rest.join("/") });
            setOverlay(undefined);
          }}
          onCancel={() => setOverlay(undefined)}
        />
      ) : null}
      {overlay?.kind === "agents" ? (
        <FilterPicker
          title="Agent for the next prompts"
          items={agents.map((entry) => ({ key: entry.name, label: entry.name, detail: entry.description }))}
          onPick={(name) => {
            setAgentIndex(
              Math.max(
                0,
                agents.findIndex((entry) => entry.name === name),
              ),
            );
            setOverlay(undefined);
          }}
          onCancel={() => setOverlay(undefined)}
        />
      ) : null}
      {help ? <HelpPanel commands={[...CLIENT_COMMANDS, ...serverCommands]} /> : null}
      {view.permissions[0] ? (
        <PermissionPrompt request={view.permissions[0]} fromChild={view.permissions[0].sessionID !== view.sessionID} />
      ) : null}
      {busy ? <TurnProgress messages={view.messages} waiting={view.permissions.length > 0} /> : null}
      <QueuedPrompts prompts={queued} />
      {confirmQuit ? (
        <Text color="yellow">Quit? Press Ctrl+C again to leave (the server keeps working); any other key stays.</Text>
      ) : null}
      <TrustBanner client={client} />
      <PromptInput
        active={!overlay}
        permissionPending={view.permissions.length > 0}
        onSubmit={(text) =>
          void send(text).catch((error) => dispatch({ type: "notice", text: `error: ${error.message}` }))
        }
        onAnswer={answer}
        onInterrupt={(empty) => {
          if (busy && sessionRef.current) void client.abort(sessionRef.current);
          else if (empty && confirmQuit) quit("detached; the server keeps working");
          else if (empty) setConfirmQuit(true);
        }}
        onDetach={() => quit("detached; the server keeps working")}
        commands={[...CLIENT_COMMANDS, ...serverCommands]}
        onTab={() => {
          if (agents.length > 0) setAgentIndex((current) => (current + 1) % agents.length);
        }}
      />
      <StatusLine
        view={view}
        model={model ? `${model.providerID}/${model.modelID}` : undefined}
        url={url}
        agent={agent?.name}
        // The default (first) agent plain; another stands out, in its own color if the config gives one.
        agentColor={agent && agentIndex % agents.length !== 0 ? (agent.color ?? "magenta") : undefined}
      />
    </Box>
  );
}
