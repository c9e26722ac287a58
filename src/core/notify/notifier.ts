// Tells people outside the session what happened in it (README "Notifications"): configured webhooks get the events
// they name, the desktop is told of permission questions, failed turns and turns that ran long, and a prompt may
// ask for a one-off notification when its turn ends (`moor run --detach --notify`). Fed from the bus, off the turn's
// path: nothing here can slow or fail a turn.
import type { BusEnvelope, Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import type { EventBus } from "../bus.js";
import { DesktopNotifier, type DesktopOptions } from "./desktop.js";
import { desktopAfterSeconds, type NotifySettings, webhookWants } from "./settings.js";
import { type NotifyLog, type WebhookBody, WebhookQueue } from "./webhook-queue.js";

export interface NotifierOptions {
  bus: EventBus;
  store: Store;
  /** The `notify` config for sessions in a directory (a project's own only once it is trusted). */
  settings: (directory: string) => NotifySettings | undefined;
  /** The server's URL (known once it listens): a webhook's `url` links to the session on its web page. */
  baseUrl: () => string;
  log: NotifyLog;
  now: () => number;
  desktop: Omit<DesktopOptions, "log">;
  /** Where waiting webhook deliveries are kept across restarts (in memory only without it). */
  queueFile?: string;
  fetch?: typeof fetch;
  /**
   * Cluster mode, API nodes: every node sees every event, and only the one that claims an event's delivery to a
   * target first delivers it (a webhook's URL; DESKTOP_TARGET for this host's desktop). Without it, all are delivered.
   */
  claim?: (eventID: number, target: string) => Promise<boolean>;
}

/** The claim target of desktop notifications (the claim function tells hosts apart). */
export const DESKTOP_TARGET = "desktop";

/** What a prompt asks for when its turn ends: a desktop notification, a POST to a URL, or both. */
export interface OneOffRequest {
  desktop?: boolean;
  webhook?: string;
}

interface Turn {
  startedAt: number;
  error?: string;
}

export class Notifier {
  readonly webhooks: WebhookQueue;
  private readonly desktop: DesktopNotifier;
  private readonly turns = new Map<string, Turn>();
  private readonly oneOffs = new Map<string, OneOffRequest[]>();
  private readonly shown = new Set<Promise<void>>();
  private readonly unsubscribe: () => void;

  constructor(private readonly options: NotifierOptions) {
    this.desktop = new DesktopNotifier({ ...options.desktop, log: options.log });
    // The retry and queue settings are the server directory's (deliveries of every directory share one queue).
    this.webhooks = new WebhookQueue({
      retry: () => this.settingsOf(undefined)?.retry,
      limit: () => this.settingsOf(undefined)?.queue,
      headers: (directory, target) =>
        this.settingsOf(directory)?.webhooks?.find((hook) => hook.url === target)?.headers,
      log: options.log,
      now: options.now,
      file: options.queueFile,
      fetch: options.fetch,
    });
    this.unsubscribe = options.bus.subscribe((envelope) => this.handle(envelope));
  }

  /**
   * A one-off notification when the session's next turn ends (it goes idle, well or not). Asked before the prompt
   * is submitted, so even the quickest turn is caught; the answer takes it back (the prompt was refused).
   */
  once(sessionID: string, request: OneOffRequest): () => void {
    const list = this.oneOffs.get(sessionID) ?? [];
    list.push(request);
    this.oneOffs.set(sessionID, list);
    return () => {
      const current = this.oneOffs.get(sessionID);
      if (!current) return;
      const index = current.indexOf(request);
      if (index !== -1) current.splice(index, 1);
      if (current.length === 0) this.oneOffs.delete(sessionID);
    };
  }

  /** Resolves once the desktop notifications (and delivery claims) started so far are done (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.shown.size > 0) await Promise.all([...this.shown]);
  }

  close(): void {
    this.unsubscribe();
    this.webhooks.close();
  }

  private settingsOf(directory: string | undefined): NotifySettings | undefined {
    try {
      return this.options.settings(directory ?? "");
    } catch {
      // A directory whose config cannot be read has no notifications (its loader already said why).
      return undefined;
    }
  }

  private handle(envelope: BusEnvelope): void {
    const { event } = envelope;
    // Streamed text is never notified (a POST per token), and skipping it keeps the stream's path as it was.
    if (event.type === "message.part.delta") return;
    const sessionID = envelope.sessionID ?? (event.properties as { sessionID?: string }).sessionID;
    if (event.type === "session.status" && sessionID) {
      if (event.properties.status.type === "busy" && !this.turns.has(sessionID)) {
        this.turns.set(sessionID, { startedAt: this.options.now() });
      }
    }
    const settings = this.settingsOf(envelope.directory);
    for (const hook of settings?.webhooks ?? []) {
      if (webhookWants(hook, event.type)) {
        this.whenClaimed(envelope, hook.url, () =>
          this.webhooks.add(hook.url, envelope.directory, this.body(envelope, sessionID)),
        );
      }
    }
    if (!sessionID) return;
    if (event.type === "permission.asked") {
      if (desktopAfterSeconds(settings) !== undefined) {
        const { permission, patterns } = event.properties;
        this.whenClaimed(envelope, DESKTOP_TARGET, () =>
          this.showFor(sessionID, `asks permission: ${permission} ${patterns.join(" ")}`.trim()),
        );
      }
    } else if (event.type === "session.error") {
      const error = event.properties.error;
      // An aborted turn was stopped by someone who knows; a snapshot warning is not the turn failing.
      if (error.name === "MessageAbortedError" || error.kind === "snapshot") return;
      const message = error.data?.message ?? error.name;
      const turn = this.turns.get(sessionID);
      if (turn) turn.error = message;
      if (desktopAfterSeconds(settings) !== undefined) {
        this.whenClaimed(envelope, DESKTOP_TARGET, () => this.showFor(sessionID, `failed: ${message}`));
      }
    } else if (event.type === "session.idle") {
      const turn = this.turns.get(sessionID);
      this.turns.delete(sessionID);
      const after = desktopAfterSeconds(settings);
      const ranMs = turn ? this.options.now() - turn.startedAt : 0;
      // A failed turn was told already, when it failed.
      if (after !== undefined && turn && !turn.error && ranMs >= after * 1000) {
        // A subagent's session ends inside its parent's turn: the parent's end is the one to tell.
        this.whenClaimed(envelope, DESKTOP_TARGET, () =>
          this.showFor(sessionID, `finished after ${seconds(ranMs)}`, { rootsOnly: true }),
        );
      }
      this.fireOneOffs(envelope, sessionID, turn);
    }
  }

  /**
   * Delivers at once, or in cluster mode once this node has claimed the event's delivery to `target` (claim). A
   * claim that cannot be made (the database unreachable) delivers anyway: twice, with the same id, beats never.
   */
  private whenClaimed(envelope: BusEnvelope, target: string, deliver: () => void): void {
    const claim = this.options.claim;
    if (!claim) {
      deliver();
      return;
    }
    const claimed = claim(envelope.seq, target)
      .then(
        (mine) => {
          if (mine) deliver();
        },
        () => deliver(),
      )
      .finally(() => this.shown.delete(claimed));
    this.shown.add(claimed);
  }

  private fireOneOffs(envelope: BusEnvelope, sessionID: string, turn: Turn | undefined): void {
    const requests = this.oneOffs.get(sessionID);
    if (!requests) return;
    this.oneOffs.delete(sessionID);
    for (const request of requests) {
      if (request.desktop) this.showFor(sessionID, turn?.error ? `failed: ${turn.error}` : "finished");
      if (request.webhook) {
        this.webhooks.add(request.webhook, envelope.directory, {
          ...this.body(envelope, sessionID),
          properties: { sessionID, ...(turn?.error ? { error: turn.error } : {}) },
        });
      }
    }
  }

  private body(envelope: BusEnvelope, sessionID: string | undefined): WebhookBody {
    return {
      // The SSE id of the event: the same on every retry, and the same a client streaming /event saw.
      id: `${this.options.bus.epoch}-${envelope.seq}`,
      type: envelope.event.type,
      sessionID,
      url: sessionID ? sessionLink(this.options.baseUrl(), sessionID) : this.options.baseUrl(),
      properties: envelope.event.properties,
    };
  }

  /** A desktop notification titled with the session's title (read now: a model may have written a better one). */
  private showFor(sessionID: string, text: string, options: { rootsOnly?: boolean } = {}): void {
    const shown = this.options.store
      .getSession(sessionID)
      .catch(() => undefined)
      .then((session: Session | undefined) => {
        if (options.rootsOnly && session?.parentID) return;
        return this.desktop.show(`moor: ${session?.title ?? sessionID}`, text);
      })
      .finally(() => this.shown.delete(shown));
    this.shown.add(shown);
  }
}

/** The session on the server's web page (src/web/App.tsx routes `#/s/<id>`). */
export function sessionLink(baseUrl: string, sessionID: string): string {
  return `${baseUrl.replace(/\/+$/, "")}/#/s/${encodeURIComponent(sessionID)}`;
}

function seconds(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}
