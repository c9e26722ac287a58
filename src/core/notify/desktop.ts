// Desktop notifications through the system's own program: `notify-send` (Linux, BSD) or `osascript` (macOS), when it
// is on the PATH cli passes in. Best effort: a missing or failing program is logged, never an error of the turn.
import { execFile } from "node:child_process";
import { findOnPath } from "../executables.js";
import type { NotifyLog } from "./webhook-queue.js";

export interface DesktopOptions {
  /** The environment the program runs with (cli: PATH and the display/bus variables only, no secrets). */
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  log: NotifyLog;
}

const TIMEOUT_MS = 5000;

export class DesktopNotifier {
  private warnedMissing = false;

  constructor(private readonly options: DesktopOptions) {}

  /** Shows `title` / `body`; resolves once the program ended (or was not found), never rejects. */
  show(title: string, body: string): Promise<void> {
    const command = this.command(title, body);
    if (!command) {
      if (!this.warnedMissing) {
        this.warnedMissing = true;
        this.options.log.warn("notify: no notify-send (or osascript on macOS) on PATH; desktop notifications are off");
      }
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      execFile(command[0], command.slice(1), { env: this.options.env, timeout: TIMEOUT_MS }, (error) => {
        if (error) this.options.log.warn(`notify: ${command[0]} failed: ${error.message.split("\n")[0]}`);
        resolve();
      });
    });
  }

  private command(title: string, body: string): string[] | undefined {
    const path = this.options.env.PATH;
    if (this.options.platform === "darwin") {
      const osascript = findOnPath("osascript", path);
      if (osascript) {
        return [osascript, "-e", `display notification ${appleString(body)} with title ${appleString(title)}`];
      }
    }
    const notifySend = findOnPath("notify-send", path);
    if (notifySend) return [notifySend, "--app-name=moor", title, body];
    return undefined;
  }
}

/** An AppleScript string literal: quotes and backslashes escaped, so text cannot end the script's string. */
function appleString(text: string): string {
  return `"${text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/[\r\n]+/g, " ")}"`;
}
