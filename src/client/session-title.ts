// The title a person reads for a session. The server names a session "New session - <ISO time>" until its first
// prompt gives it a real title; screens show that as "New session · <local date and time>" instead of a timestamp.
import type { Session } from "../protocol/index.js";

const DEFAULT_TITLE = /^New session - (\d{4}-\d\d-\d\dT[\d:.]+Z)$/;

export function humanTitle(session: Pick<Session, "title">, locale?: string): string {
  const title = session.title.trim();
  if (!title) return "Untitled";
  const match = DEFAULT_TITLE.exec(title);
  if (!match) return title;
  const created = new Date(match[1]);
  if (Number.isNaN(created.getTime())) return title;
  const when = created.toLocaleString(locale, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
  return `New session · ${when}`;
}
