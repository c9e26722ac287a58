/** @jsxImportSource preact */
// The web UI: one event stream for the whole page, folded into the session list, the pending permissions and the
// open session's view (the reducer shared with the TUI, src/client/view-model.ts). State is fetched once the stream
// is open (so nothing published meanwhile is missed) and again on `server.resync`; reconnects resume with
// Last-Event-ID (src/client).
import { useCallback, useEffect, useReducer, useRef, useState } from "preact/hooks";
import { type ConnectionState, descendantsOf, type MoorClient, type ProviderList } from "../client/index.js";
import { initialView, viewReducer } from "../client/view-model.js";
import {
  type Agent,
  type MoorEvent,
  type PermissionRequest,
  primaryAgents,
  type SessionStatus,
  type Todo,
} from "../protocol/index.js";
import { McpStatus } from "./McpStatus.js";
import { PermissionBanner } from "./PermissionBanner.js";
import { SessionList } from "./SessionList.js";
import { SessionView } from "./SessionView.js";
import { TrustBanner } from "./TrustBanner.js";
import { useSessionPages } from "./useSessionPages.js";

const MODEL_KEY = "moor.model";

function routeFromHash(): string | undefined {
  const match = /^#\/s\/(.+)$/.exec(window.location.hash);
  return match ? decodeURIComponent(match[1]) : undefined;
}

function ConnectionIndicator({ state, detail }: { state: ConnectionState; detail?: string }) {
  const label = { connecting: "connecting…", open: "connected", reconnecting: "reconnecting…", closed: "offline" }[
    state
  ];
  return (
    <span class={`connection connection-${state}`} title={detail ?? label} data-state={state}>
      <span class="dot" /> {label}
    </span>
  );
}

export function App({ client }: { client: MoorClient }) {
  const pages = useSessionPages(client);
  const { upsert: upsertSession, remove: removeSession } = pages;
  const [statuses, setStatuses] = useState<Record<string, SessionStatus>>({});
  const [pending, setPending] = useState<PermissionRequest[]>([]);
  const [todos, setTodos] = useState<Todo[]>([]);
  const [connection, setConnection] = useState<{ state: ConnectionState; detail?: string }>({ state: "connecting" });
  const [providers, setProviders] = useState<ProviderList>();
  const [agents, setAgents] = useState<Agent[]>([]);
  const [model, setModel] = useState(() => localStorage.getItem(MODEL_KEY) ?? "");
  const [error, setError] = useState<string>();
  const [route, setRoute] = useState(routeFromHash);
  const [view, dispatch] = useReducer(viewReducer, initialView);
  const routeRef = useRef(route);
  routeRef.current = route;

  const fail = useCallback((failure: unknown) => setError((failure as Error).message), []);

  const loadLists = useCallback(async () => {
    const [, status, permissions] = await Promise.all([pages.reload(), client.statuses(), client.permissions()]);
    setStatuses(status);
    setPending(permissions);
  }, [client, pages.reload]);

  const joins = useRef(0);
  // Called once the event stream is open (see below): the snapshot joins it by event id (src/client/join.ts).
  const openSession = useCallback(
    async (id: string) => {
      const join = ++joins.current;
      dispatch({ type: "joining", join });
      try {
        // The snapshot first, then the rest: what is read after it is at least as new, and the held events
        // re-applied over it carry absolute values.
        const { messages, eventId } = await client.messageSnapshot(id);
        const [session, status, permissions, todoList, descendants] = await Promise.all([
          client.getSession(id),
          client.statuses(),
          client.permissions(),
          client.todos(id).catch(() => [] as Todo[]),
          descendantsOf((parent) => client.children(parent), id).catch(() => [] as string[]),
        ]);
        if (routeRef.current !== id) {
          // The user moved on meanwhile: a newer join releases the held events, or (none) this lets them go.
          dispatch({ type: "joinFailed", join });
          return;
        }
        const busy = (status[id]?.type ?? "idle") !== "idle";
        dispatch({ type: "open", session, messages, eventId, join, busy, permissions, descendants });
        setTodos(todoList);
      } catch (error) {
        dispatch({ type: "joinFailed", join });
        throw error;
      }
    },
    [client],
  );

  const refetch = useCallback(() => {
    loadLists().catch(fail);
    if (routeRef.current) openSession(routeRef.current).catch(fail);
  }, [loadLists, openSession, fail]);

  // Route changes (links, back button) open the session.
  useEffect(() => {
    const onHash = () => setRoute(routeFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  const loaded = useRef(false);
  useEffect(() => {
    setTodos([]);
    if (route && loaded.current) openSession(route).catch(fail);
  }, [route, openSession, fail]);

  useEffect(() => {
    client
      .providers()
      .then(setProviders)
      .catch(() => undefined);
    client
      .agents()
      .then((list) => setAgents(primaryAgents(list)))
      .catch(() => undefined);
  }, [client]);

  useEffect(() => {
    const onEvent = (event: MoorEvent, id: string | undefined) => {
      dispatch({ type: "event", event, id });
      switch (event.type) {
        case "session.created":
        case "session.updated": {
          const { info } = event.properties;
          upsertSession(info);
          break;
        }
        case "session.deleted":
          removeSession(event.properties.sessionID);
          if (routeRef.current === event.properties.sessionID) window.location.hash = "";
          break;
        case "session.status":
          setStatuses((map) => ({ ...map, [event.properties.sessionID]: event.properties.status }));
          break;
        case "permission.asked":
          setPending((list) =>
            list.some((request) => request.id === event.properties.id) ? list : [...list, event.properties],
          );
          break;
        case "permission.replied":
          setPending((list) => list.filter((request) => request.id !== event.properties.requestID));
          break;
        case "todo.updated":
          if (event.properties.sessionID === routeRef.current) setTodos(event.properties.todos);
          break;
      }
    };
    const stream = client.events({
      onEvent,
      onState: (state, detail) => {
        setConnection({ state, detail });
        if (state === "open" && !loaded.current) {
          loaded.current = true;
          refetch();
        }
      },
      onResync: () => refetch(),
    });
    return () => stream.close();
  }, [client, refetch, upsertSession, removeSession]);

  const select = (id: string) => {
    window.location.hash = `#/s/${encodeURIComponent(id)}`;
  };
  const create = async () => {
    try {
      const session = await client.createSession({});
      upsertSession(session);
      select(session.id);
    } catch (failure) {
      fail(failure);
    }
  };
  const chooseModel = (value: string) => {
    setModel(value);
    localStorage.setItem(MODEL_KEY, value);
  };
  const current = route && view.sessionID === route ? view : undefined;
  // The open session's questions are asked in their tool cards; the banner has the rest.
  const askedInCards = new Set(
    current?.messages.flatMap((message) =>
      message.parts.flatMap((part) => (part.type === "tool" ? [part.callID] : [])),
    ),
  );

  return (
    <div class={`app ${route ? "has-session" : ""}`}>
      <header class="topbar">
        <a class="brand" href="#/">
          Moor
        </a>
        <McpStatus client={client} />
        <ConnectionIndicator state={connection.state} detail={connection.detail} />
      </header>
      <TrustBanner client={client} />
      <PermissionBanner
        client={client}
        requests={pending.filter((request) => !(request.tool && askedInCards.has(request.tool.callID)))}
        sessions={pages.list.sessions}
        onAnswered={(id) => setPending((list) => list.filter((request) => request.id !== id))}
        onOpen={select}
      />
      {error && (
        <div class="error-banner" role="alert">
          <span>{error}</span>
          <button type="button" class="small" onClick={() => setError(undefined)}>
            Dismiss
          </button>
        </div>
      )}
      <div class="layout">
        <aside class="sidebar">
          <SessionList
            list={pages.list}
            onMore={() => void pages.more().catch(fail)}
            onSearch={(text) => void pages.search(text).catch(fail)}
            statuses={statuses}
            selected={route}
            onSelect={select}
            onCreate={() => void create()}
          />
        </aside>
        <main class="main">
          {!route && <p class="empty placeholder">Pick a session or start a new one.</p>}
          {route && !current && <div class="loading">Loading…</div>}
          {current && (
            <SessionView
              key={current.sessionID}
              client={client}
              view={current}
              todos={todos}
              providers={providers}
              agents={agents}
              model={model}
              onModel={chooseModel}
              onBack={() => {
                window.location.hash = "";
              }}
              onDeleted={(id) => {
                removeSession(id);
                window.location.hash = "";
              }}
              onError={setError}
            />
          )}
        </main>
      </div>
    </div>
  );
}
