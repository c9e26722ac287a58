// The transcript of one session as a pure fold: a snapshot's messages, then the message and part events after it
// (src/client/join.ts says which those are). Shared by the terminal UI, the web page, `moor run --attach --follow`.
import type { MessageInfo, MoorEvent, Part } from "../protocol/index.js";

export interface TranscriptMessage {
  info: MessageInfo;
  parts: Part[];
}

/** Applies one event to the messages of `sessionID`; returns the same array when the event changes nothing. */
export function applyTranscriptEvent<M extends TranscriptMessage>(
  messages: M[],
  sessionID: string,
  event: MoorEvent,
): M[] {
  switch (event.type) {
    case "message.updated": {
      const { info } = event.properties;
      if (info.sessionID !== sessionID) return messages;
      const index = messages.findIndex((message) => message.info.id === info.id);
      return index === -1
        ? [...messages, { info, parts: [] } as unknown as M]
        : messages.map((message, i) => (i === index ? { ...message, info } : message));
    }
    case "message.part.updated": {
      const { part } = event.properties;
      if (part.sessionID !== sessionID) return messages;
      return updateParts(messages, part.messageID, (parts) => upsert(parts, part));
    }
    case "message.part.delta": {
      const { messageID, partID, delta } = event.properties;
      if (event.properties.sessionID !== sessionID) return messages;
      return updateParts(messages, messageID, (parts) =>
        parts.map((part) =>
          part.id === partID && (part.type === "text" || part.type === "reasoning")
            ? { ...part, text: part.text + delta }
            : part,
        ),
      );
    }
    case "message.removed":
      if (event.properties.sessionID !== sessionID) return messages;
      return messages.filter((message) => message.info.id !== event.properties.messageID);
    case "message.part.removed": {
      const { messageID, partID } = event.properties;
      if (event.properties.sessionID !== sessionID) return messages;
      return updateParts(messages, messageID, (parts) => parts.filter((part) => part.id !== partID));
    }
    default:
      return messages;
  }
}

function updateParts<M extends TranscriptMessage>(
  messages: M[],
  messageID: string,
  change: (parts: Part[]) => Part[],
): M[] {
  return messages.map((message) =>
    message.info.id === messageID ? { ...message, parts: change(message.parts) } : message,
  );
}

function upsert(parts: Part[], part: Part): Part[] {
  const index = parts.findIndex((existing) => existing.id === part.id);
  if (index === -1) return [...parts, part];
  return parts.map((existing, i) => (i === index ? part : existing));
}
