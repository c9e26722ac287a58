// What core's notifier is told by cli (config `notify`, README "Notifications"). Core does not import the config
// schema: cli passes the validated config's `notify` value, which has this shape.

export interface WebhookSettings {
  /** http(s) URL the event is POSTed to. */
  url: string;
  /** Event names (moor's, or OpenCode's older `permission.updated`); default: permission.asked, session.idle, session.error. */
  events?: string[];
  /** Sent with every POST (they may hold tokens: never logged). */
  headers?: Record<string, string>;
}

export interface RetrySettings {
  /** First wait after a failed POST, doubling each time (default 500 ms). */
  initialMs?: number;
  /** The longest wait between attempts (default 30 s). */
  maxMs?: number;
  /** Attempts before a delivery is given up (default 10). */
  attempts?: number;
  /** Age after which a delivery is given up whatever its attempts (default 1 h). */
  maxAgeMs?: number;
  /** Time limit of one POST (default 10 s). */
  timeoutMs?: number;
}

export interface NotifySettings {
  webhooks?: WebhookSettings[];
  /** Desktop notifications (notify-send / osascript); `after`: seconds a turn must have run for its end to be told. */
  desktop?: boolean | { after?: number };
  retry?: RetrySettings;
  /** Deliveries waiting at most (default 1000); the oldest is dropped, with a log line, when a new one would not fit. */
  queue?: number;
}

export const DEFAULT_EVENTS = ["permission.asked", "session.idle", "session.error"];

/** Config event names that mean one of moor's events under another name (OpenCode's). */
const ALIASES: Record<string, string> = { "permission.updated": "permission.asked" };

/** The moor event name a configured name stands for. */
export function eventNameOf(configured: string): string {
  return ALIASES[configured] ?? configured;
}

/** Whether a webhook asked for events of moor type `type`. */
export function webhookWants(webhook: WebhookSettings, type: string): boolean {
  return (webhook.events ?? DEFAULT_EVENTS).some((name) => name === "*" || eventNameOf(name) === type);
}

/** Seconds a turn must have run for a desktop notification of its end; undefined when desktop is off. */
export function desktopAfterSeconds(settings: NotifySettings | undefined): number | undefined {
  const desktop = settings?.desktop;
  if (!desktop) return undefined;
  if (desktop === true) return 30;
  return desktop.after ?? 30;
}
