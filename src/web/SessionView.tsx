/** @jsxImportSource preact */
// One session: header (title with rename, directory, status, tokens and cost, delete), todos, the transcript
// (history, then the live stream as events fold into the view state) and the prompt box.
import { Fragment } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { MoorClient, ProviderList } from "../client/index.js";
import { visibleMessages } from "../client/undo-redo.js";
import type { ViewState } from "../client/view-model.js";
import { type Agent, parseSlashCommand, type Todo } from "../protocol/index.js";
import { formatCost, shortDirectory, tokenSummary } from "./format.js";
import { MessageView } from "./MessageView.js";
import { PromptBox } from "./PromptBox.js";
import { StatusBadge } from "./SessionList.js";
import { RevertBar, UndoButton } from "./UndoControls.js";
import { useCommands } from "./useCommands.js";

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
        <h2 class="session-heading">{session.title || "Untitled"}</h2>
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
  if (!session) return <div class="loading">Loading…</div>;
  const busy = view.status.type !== "idle";
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
    const [providerID, ...rest] = model.split("/");
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
    try {
      await client.promptAsync(session.id, {
        agent: agent || undefined,
        parts: [{ type: "text", text }],
        model: model ? { providerID, modelID: rest.join("/") } : undefined,
      });
    } catch (error) {
      onError((error as Error).message);
      throw error;
    }
  };
  const abort = () => client.abort(session.id).catch((error: Error) => onError(error.message));
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
            {view.tokens && <span class="tokens">{tokenSummary(view.tokens)}</span>}
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
        {visibleMessages(view.messages, session.revert).map((message) => (
          <Fragment key={message.info.id}>
            <MessageView message={message} />
            {message.info.role === "user" && !busy && (
              <UndoButton client={client} session={session} messageID={message.info.id} onError={onError} />
            )}
          </Fragment>
        ))}
        <RevertBar client={client} session={session} onError={onError} />
        {busy && <div class="working">working…</div>}
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
