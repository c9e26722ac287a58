// The terminal UI's view model: a pure fold of the server's events (and fetched state) into what is on screen.
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
  permissions: PermissionRequest[];
  tokens?: TokenUsage;
  model?: string;
  notice?: string;
}

export type ViewAction =
  | { type: "open"; session: Session; messages: MessageWithParts[]; busy: boolean; permissions: PermissionRequest[] }
  | { type: "event"; event: MoorEvent }
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
    case "open": {
      const messages = action.messages.map((message) => ({ info: message.info, parts: message.parts }));
      return {
        ...state,
        sessionID: action.session.id,
        session: action.session,
        messages,
        status: action.busy ? { type: "busy" } : { type: "idle" },
        permissions: action.permissions.filter((request) => request.sessionID === action.session.id),
        ...lastTokens(messages),
      };
    }
    case "connection":
      return { ...state, connection: action.state, connectionDetail: action.detail };
    case "notice":
      return { ...state, notice: action.text };
    case "event":
      return applyEvent(state, action.event);
  }
}

function sessionOf(event: MoorEvent): string | undefined {
  const properties = event.properties as { sessionID?: string; part?: { sessionID?: string } };
  return properties.sessionID ?? properties.part?.sessionID;
}

function applyEvent(state: ViewState, event: MoorEvent): ViewState {
  if (!state.sessionID || sessionOf(event) !== state.sessionID) return state;
  switch (event.type) {
    case "message.updated": {
      const { info } = event.properties;
      const index = state.messages.findIndex((message) => message.info.id === info.id);
      const messages =
        index === -1
          ? [...state.messages, { info, parts: [] }]
          : state.messages.map((message, i) => (i === index ? { ...message, info } : message));
      return { ...state, messages, ...(info.role === "assistant" ? lastTokens(messages) : {}) };
    }
    case "message.part.updated": {
      const { part } = event.properties;
      return { ...state, messages: updateParts(state.messages, part.messageID, (parts) => upsert(parts, part)) };
    }
    case "message.part.delta": {
      const { messageID, partID, delta } = event.properties;
      return {
        ...state,
        messages: updateParts(state.messages, messageID, (parts) =>
          parts.map((part) =>
            part.id === partID && (part.type === "text" || part.type === "reasoning")
              ? { ...part, text: part.text + delta }
              : part,
          ),
        ),
      };
    }
    case "message.removed":
      return { ...state, messages: state.messages.filter((message) => message.info.id !== event.properties.messageID) };
    case "session.status":
      return { ...state, status: event.properties.status };
    case "session.updated":
      return { ...state, session: event.properties.info };
    case "session.error":
      return { ...state, notice: `error: ${event.properties.error.data.message}` };
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

function updateParts(messages: ViewMessage[], messageID: string, change: (parts: Part[]) => Part[]): ViewMessage[] {
  return messages.map((message) =>
    message.info.id === messageID ? { ...message, parts: change(message.parts) } : message,
  );
}

function upsert(parts: Part[], part: Part): Part[] {
  const index = parts.findIndex((existing) => existing.id === part.id);
  if (index === -1) return [...parts, part];
  return parts.map((existing, i) => (i === index ? part : existing));
}
