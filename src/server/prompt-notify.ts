// A prompt's `notify` field (moor's own): the server's notifier is asked for a one-off notification when the
// prompt's turn ends, before the prompt is submitted, so even a turn that ends at once is caught.
import type { OneOffRequest } from "../core/notify/notifier.js";
import type { PromptInput } from "../protocol/index.js";
import { HttpError } from "./errors.js";

export interface OneOffNotifications {
  once(sessionID: string, request: OneOffRequest): () => void;
}

/** Registers the prompt's one-off notification; the answer takes it back (the prompt was refused). A prompt
 * with `noReply` and `notify` is refused (400) before anything is stored. */
export function registerPromptNotify(
  notifications: OneOffNotifications | undefined,
  sessionID: string,
  input: PromptInput,
): () => void {
  const request = oneOffOf(input.notify);
  if (!request) return () => {};
  // A `noReply` prompt starts no turn, so nothing would ever end to notify about: refuse rather than drop it.
  if (input.noReply) throw new HttpError(400, "bad_request", "notify needs a turn: it cannot be combined with noReply");
  if (!notifications) throw new HttpError(400, "bad_request", "this server does not send notifications");
  return notifications.once(sessionID, request);
}

function oneOffOf(notify: PromptInput["notify"]): OneOffRequest | undefined {
  if (notify === undefined || notify === false) return undefined;
  if (notify === true) return { desktop: true };
  if (typeof notify === "string") return { webhook: notify };
  if (!notify.desktop && !notify.webhook) return undefined;
  return { desktop: notify.desktop, webhook: notify.webhook };
}
