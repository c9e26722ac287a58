/** @jsxImportSource preact */
// One session: header (title with rename, directory, status, tokens and cost, delete), todos, the transcript
// (history, then the live stream as events fold into the view state) and the prompt box.
import { Fragment } from "preact";
import { useCallback, useLayoutEffect, useRef, useState } from "preact/hooks";
import { hookRunsAfter } from "../client/hook-runs.js";
import type { MoorClient, ProviderList } from "../client/index.js";
import { queuedPromptIds } from "../client/queued-prompts.js";
import { humanTitle } from "../client/session-title.js";
import { shownTokens } from "../client/shown-tokens.js";
import { visibleMessages } from "../client/undo-redo.js";
import type { ViewState } from "../client/view-model.js";
import {
  type Agent,
  type PermissionReply,
  type PermissionRequest,
  parseSlashCommand,
  type Todo,
} from "../protocol/index.js";
import { formatCost, shortDirectory, tokenSummary } from "./format.js";
import { HookRuns } from "./HookRuns.js";
import { MessageView } from "./MessageView.js";
import { PermissionAnswersContext } from "./PermissionQuestion.js";
import { PromptBox } from "./PromptBox.js";
import { StatusBadge } from "./SessionList.js";
import { ParentLink } from "./SubagentLinks.js";
import { RevertBar, UndoButton } from "./UndoControls.js";
import { useCommands } from "./useCommands.js";
import { useEscapeToAbort } from "./useEscapeToAbort.js";
import { type Submit, useHeldPrompts } from "./useHeldPrompts.js";
import { WorkingLine } from "./WorkingLine.js";

interface Props {
  client: MoorClient;
  view: ViewState;
  todos: Todo[];
  providers?: ProviderList;
  /** The server's primary agents (GET /agent), in its order. */
  agents: Agent[];
  model: string;
  onModel(model: string): void;
  onBack(): void;
  onDeleted(id: string): void;
  onError(message: string): void;
}

const TODO_MARK: Record<Todo["status"], string> = {
  pending: "○",
  in_progress: "◐",
  completed: "●",
  cancelled: "✕",
};

function Title({ client, view, onError }: Pick<Props, "client" | "view" | "onError">) {
  const [editing, setEditing] = useState<string>();
  const session = view.session;
  if (!session) return null;
  if (editing === undefined) {
    return (
      <div class="title-row">
        <ParentLink parentID={session.parentID} />
        <h2 class="session-heading" title={session.title}>
          {humanTitle(session)}
        </h2>
        <button type="button" class="small rename" onClick={() => setEditing(session.title)}>
          Rename
        </button>
      </div>
    );
  }
  const save = async () => {
    const title = editing.trim();
    setEditing(undefined);
    if (!title || title === session.title) return;
    try {
      await client.updateSession(session.id, { title });
    } catch (error) {
      onError((error as Error).message);
    }
  };
  return (
    <form
      class="title-row"
      onSubmit={(event) => {
        event.preventDefault();
        void save();
      }}
    >
      <input
        class="rename-input"
        aria-label="Session title"
        value={editing}
        ref={(input) => input?.focus()}
        onInput={(event) => setEditing(event.currentTarget.value)}
        onKeyDown={(event) => event.key === "Escape" && setEditing(undefined)}
      />
      <button type="submit" class="small primary">
        Save
      </button>
    </form>
  );
}

export function SessionView(props: Props) {
  const { client, view, todos, providers, agents, model, onModel, onBack, onDeleted, onError } = props;
  const transcript = useRef<HTMLDivElement>(null);
  // Follow the stream only while the reader is at the bottom; scrolling up to read stops it.
  const stick = useRef(true);
  // The agent for the next prompt, once chosen; before that the first of the server's (what each may do is enforced
  // by the server).
  const [chosenAgent, setAgent] = useState("");
  const commands = useCommands(client, view.session?.directory);
  const agent = agents.some((entry) => entry.name === chosenAgent) ? chosenAgent : (agents[0]?.name ?? "");
  useLayoutEffect(() => {
    const element = transcript.current;
    if (element && stick.current) element.scrollTop = element.scrollHeight;
  });
  const session = view.session;
  const sessionID = session?.id ?? "";
  const busy = view.status.type !== "idle";
  const submit = useCallback<Submit>(
    async (prompt) => {
      const [providerID, ...rest] = prompt.model.split("/");
      try {
        await client.promptAsync(sessionID, {
          agent: prompt.agent || undefined,
          parts: [{ type: "text", text: prompt.text }],
          model: prompt.model ? { providerID, modelID: rest.join("/") } : undefined,
        });
      } catch (error) {
        onError((error as Error).message);
        throw error;
      }
    },
    [client, sessionID, onError],
  );
  const queue = useHeldPrompts(busy, submit);
  const abort = useCallback(
    () => void client.abort(sessionID).catch((error: Error) => onError(error.message)),
    [client, sessionID, onError],
  );
  useEscapeToAbort(busy, abort);
  // When the running turn started: its reply's creation, or when this page saw the session go busy.
  const busySince = useRef(Date.now());
  const wasBusy = useRef(busy);
  if (busy && !wasBusy.current) busySince.current = Date.now();
  wasBusy.current = busy;
  if (!session) return <div class="loading">Loading…</div>;
  const running = view.messages.findLast((message) => message.info.role === "assistant")?.info;
  const since = running?.role === "assistant" && !running.time.completed ? running.time.created : busySince.current;
  const queued = queuedPromptIds(view.messages, busy);
  const answers = {
    requests: view.permissions,
    reply: async (request: PermissionRequest, answer: PermissionReply) => {
      await client.replyPermission(request.id, answer);
    },
  };
  const tokens = shownTokens(view.messages);
  const cost = view.messages.reduce(
    (sum, message) => sum + (message.info.role === "assistant" ? message.info.cost : 0),
    0,
  );

  const remove = async () => {
    if (!window.confirm(`Delete the session "${session.title}"?`)) return;
    try {
      await client.deleteSession(session.id);
      onDeleted(session.id);
    } catch (error) {
      onError((error as Error).message);
    }
  };
  const send = async (text: string) => {
    const command = parseSlashCommand(text);
    if (command && commands.some((known) => known.name === command.name)) {
      // Returns when the command's turn has run; the turn shows meanwhile through the event stream.
      void client
        .command(session.id, {
          command: command.name,
          arguments: command.arguments,
          agent: agent || undefined,
          model: model || undefined,
        })
        .catch((error: Error) => onError(error.message));
      return;
    }
    if (busy) queue.hold({ text, agent, model });
    else await submit({ text, agent, model });
  };
  // The server queues it after a turn in progress; the summary appears in the transcript when written.
  const compact = () => client.summarize(session.id).catch((error: Error) => onError(error.message));

  return (
    <div class="session-view" data-session={session.id}>
      <header class="session-header">
        <button type="button" class="back small" onClick={onBack} aria-label="Back to sessions">
          ←
        </button>
        <div class="session-header-main">
          <Title client={client} view={view} onError={onError} />
          <div class="session-meta">
            <span title={session.directory}>{shortDirectory(session.directory)}</span>
            <StatusBadge status={view.status} />
            {view.model && <span class="model">{view.model}</span>}
            {tokens && <span class="tokens">{tokenSummary(tokens)}</span>}
            <span class="cost">{formatCost(cost)}</span>
          </div>
        </div>
        <button
          type="button"
          class="small compact"
          onClick={compact}
          title="Summarize the conversation so far; the model continues from the summary"
        >
          Compact
        </button>
        <button type="button" class="small danger delete" onClick={remove}>
          Delete
        </button>
      </header>
      {todos.length > 0 && (
        <details class="todos" open>
          <summary>
            Todos ({todos.filter((todo) => todo.status === "completed").length}/{todos.length})
          </summary>
          <ul>
            {todos.map((todo, i) => (
              <li key={todo.id ?? i} class={`todo todo-${todo.status}`}>
                <span class="todo-mark">{TODO_MARK[todo.status]}</span> {todo.content}
              </li>
            ))}
          </ul>
        </details>
      )}
      <div
        class="transcript"
        ref={transcript}
        onScroll={(event) => {
          const element = event.currentTarget;
          stick.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
        }}
      >
        {view.messages.length === 0 && <p class="empty">Nothing here yet: send a prompt.</p>}
        <PermissionAnswersContext.Provider value={answers}>
          <HookRuns runs={hookRunsAfter(view.hookRuns)} />
          {visibleMessages(view.messages, session.revert).map((message) => (
            <Fragment key={message.info.id}>
              <MessageView message={message} queued={queued.has(message.info.id)} />
              <HookRuns runs={hookRunsAfter(view.hookRuns, message.info.id)} />
              {message.info.role === "user" && !busy && (
                <UndoButton client={client} session={session} messageID={message.info.id} onError={onError} />
              )}
            </Fragment>
          ))}
        </PermissionAnswersContext.Provider>
        <RevertBar client={client} session={session} onError={onError} />
        {queue.held.map((prompt) => (
          <div class="message user queued" key={prompt.id} data-held={prompt.id}>
            <div class="bubble">
              <span class="queued-tag">queued</span>
              {prompt.text}
            </div>
            <button type="button" class="small cancel-queued" onClick={() => queue.cancel(prompt.id)}>
              Cancel
            </button>
          </div>
        ))}
        {busy && <WorkingLine since={since} waiting={view.permissions.length > 0} />}
        {view.notice && <div class="error-line">{view.notice}</div>}
      </div>
      <PromptBox
        busy={busy}
        providers={providers}
        model={model}
        onModel={onModel}
        agents={agents}
        agent={agent}
        onAgent={setAgent}
        onSend={send}
        onAbort={abort}
        commands={commands}
      />
    </div>
  );
}
