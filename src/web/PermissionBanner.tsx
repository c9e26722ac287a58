/** @jsxImportSource preact */
// Pending permission requests of every session, as a banner any attached page may answer (the TUI may answer too:
// the request disappears everywhere on `permission.replied`).
import { useState } from "preact/hooks";
import type { MoorClient } from "../client/index.js";
import { alwaysLabel, type PermissionReply, type PermissionRequest, type Session } from "../protocol/index.js";
import { Diff } from "./ToolCard.js";

interface Props {
  client: MoorClient;
  requests: PermissionRequest[];
  sessions: Session[];
  onAnswered(requestID: string): void;
  onOpen(sessionID: string): void;
}

export function PermissionBanner({ client, requests, sessions, onAnswered, onOpen }: Props) {
  const [error, setError] = useState<string>();
  if (requests.length === 0) return null;
  const reply = async (request: PermissionRequest, answer: PermissionReply) => {
    try {
      await client.replyPermission(request.id, answer);
      setError(undefined);
      onAnswered(request.id);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <section class="permissions" aria-live="polite">
      {requests.map((request) => {
        const session = sessions.find((candidate) => candidate.id === request.sessionID);
        const diff = typeof request.metadata.diff === "string" ? request.metadata.diff : undefined;
        return (
          <div class="permission" key={request.id} data-permission={request.id}>
            <div class="permission-text">
              <strong>Allow {request.permission}</strong> <code>{request.patterns.join(", ")}</code>
              {session && (
                <button type="button" class="link" onClick={() => onOpen(session.id)}>
                  in {session.title}
                </button>
              )}
            </div>
            {diff && (
              <details>
                <summary>Changes</summary>
                <Diff patch={diff} />
              </details>
            )}
            <div class="permission-actions">
              <button type="button" class="primary" onClick={() => reply(request, "once")}>
                Allow once
              </button>
              <button type="button" title={alwaysLabel(request)} onClick={() => reply(request, "always")}>
                Always
              </button>
              <span class="permission-always">{alwaysLabel(request)}</span>
              <button type="button" class="danger" onClick={() => reply(request, "reject")}>
                Reject
              </button>
            </div>
          </div>
        );
      })}
      {error && <div class="error-line">{error}</div>}
    </section>
  );
}
