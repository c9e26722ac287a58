/** @jsxImportSource preact */
// Undo on the web page: an "Undo from here" action on each prompt (its turn's file changes and everything after it are
// taken back, POST /session/:id/revert), and while a revert is in effect a bar with Redo (unrevert). A refusal (a
// turn running, files changed by hand since) is shown as the page's error line, with the server's message.
import type { MoorClient } from "../client/index.js";
import type { Session } from "../protocol/index.js";

interface Props {
  client: MoorClient;
  session: Session;
  onError(message: string): void;
}

export function UndoButton({ client, session, messageID, onError }: Props & { messageID: string }) {
  const undo = () => client.revert(session.id, { messageID }).catch((error) => onError((error as Error).message));
  return (
    <button type="button" class="small undo" title="Undo this prompt's file changes and hide it" onClick={undo}>
      Undo from here
    </button>
  );
}

export function RevertBar({ client, session, onError }: Props) {
  if (!session.revert) return null;
  const redo = () => client.unrevert(session.id).catch((error) => onError((error as Error).message));
  return (
    <div class="revert-bar" role="status">
      Later messages are undone; their file changes were taken back. Sending a prompt makes this final.
      <button type="button" class="small redo" onClick={redo}>
        Redo
      </button>
    </div>
  );
}
