// The server's notifier (core/notify/): the `notify` config of each session's directory (a project's own only once
// trusted: config/untrusted-project.ts), its log lines in the server's log, and the desktop program run without
// moor's secrets (only what it needs to reach the user's desktop).
import { join } from "node:path";
import type { Core } from "../core/index.js";
import { Notifier } from "../core/notify/notifier.js";
import type { Store } from "../storage/port.js";
import type { CliContext } from "./context.js";

/** What `notify-send` / `osascript` need from the environment to reach the desktop session. */
const DESKTOP_ENV = [
  "PATH",
  "HOME",
  "DISPLAY",
  "WAYLAND_DISPLAY",
  "DBUS_SESSION_BUS_ADDRESS",
  "XDG_RUNTIME_DIR",
  "LANG",
];

export function startNotifier(
  context: CliContext,
  core: Core,
  store: Store,
  log: { info(message: string): void; warn(message: string): void },
  baseUrl: () => string,
  /** Cluster mode, API nodes: one node delivers each notification (Notifier's claim). */
  claim?: (eventID: number, target: string) => Promise<boolean>,
): Notifier {
  const env = Object.fromEntries(DESKTOP_ENV.filter((key) => context.env[key]).map((key) => [key, context.env[key]]));
  return new Notifier({
    bus: core.bus,
    store,
    settings: (directory) => (directory ? context.configs.get(directory).config : context.config).notify,
    baseUrl,
    log,
    now: Date.now,
    desktop: { env, platform: process.platform },
    queueFile: join(context.paths.data, "notify-queue.json"),
    claim,
  });
}
