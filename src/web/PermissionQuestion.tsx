/** @jsxImportSource preact */
// One permission question with its answers: what is asked (the full command, the paths), the diff of an edit or
// write open (request.metadata.diff), and what "Always" would store. Shown inside the tool card that asks it
// (ToolCard), or in the page's banner when that card is not on screen (another session, a subagent's session).
import { createContext } from "preact";
import { useContext, useState } from "preact/hooks";
import { alwaysLabel, type PermissionReply, type PermissionRequest } from "../protocol/index.js";
import { Diff } from "./ToolCard.js";

export interface PermissionAnswers {
  /** The open questions of the session on screen (and of its descendants). */
  requests: readonly PermissionRequest[];
  reply(request: PermissionRequest, answer: PermissionReply): Promise<void>;
}

/** Provided by the session view, so a tool card deep in the transcript can find and answer its own question. */
export const PermissionAnswersContext = createContext<PermissionAnswers | undefined>(undefined);

/** The open question a tool call is waiting on, if any. */
export function useQuestionFor(callID: string): { request: PermissionRequest; answers: PermissionAnswers } | undefined {
  const answers = useContext(PermissionAnswersContext);
  const request = answers?.requests.find((candidate) => candidate.tool?.callID === callID);
  return answers && request ? { request, answers } : undefined;
}

interface Props {
  request: PermissionRequest;
  reply(request: PermissionRequest, answer: PermissionReply): Promise<void>;
  /** Shown after what is asked: e.g. a link to the session asking. */
  children?: preact.ComponentChildren;
}

export function PermissionQuestion({ request, reply, children }: Props) {
  const [error, setError] = useState<string>();
  const [answered, setAnswered] = useState(false);
  if (answered) return null;
  const diff = typeof request.metadata.diff === "string" && request.metadata.diff ? request.metadata.diff : undefined;
  const answer = async (choice: PermissionReply) => {
    try {
      await reply(request, choice);
      setAnswered(true);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <div class="permission" data-permission={request.id}>
      <div class="permission-text">
        <strong>Allow {request.permission}?</strong>{" "}
        <code class="permission-patterns">{request.patterns.join("\n")}</code>
        {children}
      </div>
      {diff && <Diff patch={diff} />}
      <div class="permission-actions">
        <button type="button" class="primary" onClick={() => answer("once")}>
          Allow once
        </button>
        <button type="button" title={alwaysLabel(request)} onClick={() => answer("always")}>
          Always
        </button>
        <span class="permission-always">{alwaysLabel(request)}</span>
        <button type="button" class="danger" onClick={() => answer("reject")}>
          Reject
        </button>
      </div>
      {error && <div class="error-line">{error}</div>}
    </div>
  );
}
