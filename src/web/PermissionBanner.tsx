/** @jsxImportSource preact */
// Pending permission requests whose tool card is not on screen (another session's, a subagent's), as a banner any
// attached page may answer (the TUI may answer too: the request disappears everywhere on `permission.replied`).
// The open session's own questions are asked inside their tool cards (ToolCard, PermissionQuestion).
import type { MoorClient } from "../client/index.js";
import { humanTitle } from "../client/session-title.js";
import type { PermissionReply, PermissionRequest, Session } from "../protocol/index.js";
import { PermissionQuestion } from "./PermissionQuestion.js";

interface Props {
  client: MoorClient;
  requests: PermissionRequest[];
  sessions: Session[];
  onAnswered(requestID: string): void;
  onOpen(sessionID: string): void;
}

export function PermissionBanner({ client, requests, sessions, onAnswered, onOpen }: Props) {
  if (requests.length === 0) return null;
  const reply = async (request: PermissionRequest, answer: PermissionReply) => {
    await client.replyPermission(request.id, answer);
    onAnswered(request.id);
  };
  return (
    <section class="permissions" aria-live="polite">
      {requests.map((request) => {
        const session = sessions.find((candidate) => candidate.id === request.sessionID);
        return (
          <PermissionQuestion key={request.id} request={request} reply={reply}>
            {session && (
              <button type="button" class="link" onClick={() => onOpen(session.id)}>
                in {humanTitle(session)}
              </button>
            )}
          </PermissionQuestion>
        );
      })}
    </section>
  );
}
