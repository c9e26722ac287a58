// The view model both screens share (the terminal UI and the web page): a pure fold of the server's events (and
// fetched state) into what is on screen. Opening a session joins its snapshot to the live stream (join.ts):
// `joining` starts holding events, `open` applies the snapshot and then only the held events after the snapshot's
// event id.

import type {
  MessageInfo,
  MessageWithParts,
  MoorEvent,
  Part,
  PermissionRequest,
  Session,
  SessionStatus,
  TokenUsage,
} from "../protocol/index.js";
import { addHookRun, type ShownHookRun } from "./hook-runs.js";
import { type HeldEvent, isAfterSnapshot, isInSnapshot } from "./join.js";
import { growFamily, permissionSessionOf } from "./session-family.js";
import { applyTranscriptEvent } from "./transcript.js";

export type Connection = "connecting" | "connected" | "reconnecting" | "closed";

export interface ViewMessage {
  info: MessageInfo;
  parts: Part[];
}

export interface ViewState {
  sessionID?: string;
  session?: Session;
  messages: ViewMessage[];
  status: SessionStatus;
  connection: Connection;
  connectionDetail?: string;
  /** The open session and its known descendants (session-family.ts): whose questions are shown here. */
  family?: readonly string[];
  /** Pending questions of the open session and its descendants, oldest first. */
  permissions: PermissionRequest[];
  tokens?: TokenUsage;
  model?: string;
  notice?: string;
  /** Events held while a snapshot loads, and the join they wait for (the latest `joining`). */
  held?: HeldEvent[];
  join?: number;
  /** Hook commands that ran for the session since it was opened (client/hook-runs.ts), shown folded. */
  hookRuns?: ShownHookRun[];
  /** The event id of the snapshot on screen: an event up to it arriving late (another connection) is in it already. */
  snapshotAt?: string;
}

export type ViewAction =
  /** A snapshot is about to be requested (the event stream being open): hold events until `open`. */
  | { type: "joining"; join: number }
  | {
      type: "open";
      session: Session;
      messages: MessageWithParts[];
      /** The event id the messages were read at (MoorClient.messageSnapshot). */
      eventId?: string;
      /** The `joining` this answers; a stale one (a newer join started) is dropped. */
      join?: number;
      busy: boolean;
      /** All pending questions (GET /permission): those of the session and its descendants are kept. */
      permissions: PermissionRequest[];
      /** The session's descendants (descendantsOf); more are learnt from session.created/updated events. */
      descendants?: string[];
    }
  /** The snapshot could not be loaded: stop holding, apply what was held. */
  | { type: "joinFailed"; join: number }
  | { type: "event"; event: MoorEvent; id?: string }
  | { type: "connection"; state: Connection; detail?: string }
  | { type: "notice"; text?: string };

export const initialView: ViewState = {
  messages: [],
  status: { type: "idle" },
  connection: "connecting",
  permissions: [],
};

function lastTokens(messages: ViewMessage[]): { tokens?: TokenUsage; model?: string } {
  for (let i = messages.length - 1; i >= 0; i--) {
    const { info } = messages[i];
    if (info.role === "assistant") return { tokens: info.tokens, model: `${info.providerID}/${info.modelID}` };
  }
  return {};
}

export function viewReducer(state: ViewState, action: ViewAction): ViewState {
  switch (action.type) {
    case "joining":
      return { ...state, held: state.held ?? [], join: action.join };
    case "open": {
      if (action.join !== undefined && action.join !== state.join) return state;
      const messages = action.messages.map((message) => ({ info: message.info, parts: message.parts }));
      const family = [action.session.id, ...(action.descendants ?? [])];
      const opened: ViewState = {
        ...state,
        sessionID: action.session.id,
        session: action.session,
        family,
        messages,
        status: action.busy ? { type: "busy" } : { type: "idle" },
        permissions: action.permissions.filter((request) => family.includes(request.sessionID)),
        ...lastTokens(messages),
        held: undefined,
        join: undefined,
        snapshotAt: action.eventId,
        hookRuns: state.sessionID === action.session.id ? state.hookRuns : undefined,
      };
      return (state.held ?? [])
        .filter((held) => isAfterSnapshot(held.id, action.eventId))
        .reduce((view, held) => applyEvent(view, held.event), opened);
    }
    case "joinFailed": {
      if (action.join !== state.join) return state;
      const released: ViewState = { ...state, held: undefined, join: undefined };
      return (state.held ?? []).reduce((view, held) => applyEvent(view, held.event), released);
    }
    case "connection":
      return { ...state, connection: action.state, connectionDetail: action.detail };
    case "notice":
      return { ...state, notice: action.text };
    case "event":
      if (state.held) return { ...state, held: [...state.held, { event: action.event, id: action.id }] };
      if (isInSnapshot(action.id, state.snapshotAt)) return state;
      return applyEvent(state, action.event);
  }
}

function sessionOf(event: MoorEvent): string | undefined {
  const properties = event.properties as { sessionID?: string; part?: { sessionID?: string } };
  return properties.sessionID ?? properties.part?.sessionID;
}

function applyEvent(current: ViewState, event: MoorEvent): ViewState {
  const { sessionID } = current;
  if (!sessionID) return current;
  const known = current.family ?? [sessionID];
  const family = growFamily(known, event);
  const state = family === known ? current : { ...current, family };
  // Questions come from the whole family: a child session's turn waits on its question while the user is here.
  const asker = permissionSessionOf(event);
  if (asker !== undefined ? !family.includes(asker) : sessionOf(event) !== sessionID) return state;
  switch (event.type) {
    case "message.updated": {
      const messages = applyTranscriptEvent(state.messages, sessionID, event);
      return { ...state, messages, ...(event.properties.info.role === "assistant" ? lastTokens(messages) : {}) };
    }
    case "message.part.updated":
    case "message.part.delta":
    case "message.removed":
    case "message.part.removed":
      return { ...state, messages: applyTranscriptEvent(state.messages, sessionID, event) };
    case "session.status":
      return { ...state, status: event.properties.status };
    case "session.updated":
      return { ...state, session: event.properties.info };
    case "session.error":
      return { ...state, notice: `error: ${event.properties.error.data.message}` };
    case "session.compacted":
      return { ...state, notice: "session compacted: older messages are summarized for the model" };
    case "hook.ran":
      return { ...state, hookRuns: addHookRun(state.hookRuns ?? [], event.properties, state.messages.at(-1)?.info.id) };
    case "permission.asked":
      return state.permissions.some((request) => request.id === event.properties.id)
        ? state
        : { ...state, permissions: [...state.permissions, event.properties] };
    case "permission.replied":
      return {
        ...state,
        permissions: state.permissions.filter((request) => request.id !== event.properties.requestID),
      };
    default:
      return state;
  }
}
