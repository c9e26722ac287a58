// During a prompt, the editor is asked the questions of the session's descendants too (a session created with
// parentID = it, e.g. by a task tool): the child's turn, and so the parent's, waits on them.
import { descendantsOf, growFamily } from "../client/session-family.js";
import type { PermissionRequest } from "../protocol/index.js";
import type { AcpBackend } from "./backend.js";

/** Calls `onQuestion` for each question a descendant of `sessionID` asks until the returned function is called. */
export async function followFamilyQuestions(
  backend: AcpBackend,
  sessionID: string,
  onQuestion: (request: PermissionRequest) => void,
): Promise<() => void> {
  let family: readonly string[] = [sessionID];
  const unsubscribe = backend.subscribeAll((event) => {
    family = growFamily(family, event);
    if (event.type !== "permission.asked") return;
    const asker = event.properties.sessionID;
    if (asker !== sessionID && family.includes(asker)) onQuestion(event.properties);
  });
  // Subscribed first, then the walk: a child made in between is learnt either way.
  const known = await descendantsOf((id) => backend.children(id), sessionID).catch(() => []);
  family = [...family, ...known.filter((id) => !family.includes(id))];
  return unsubscribe;
}
