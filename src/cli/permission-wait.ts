// `moor run --attach --wait-permission[=seconds]` without a terminal: a question is left for another attached client
// (the TUI, the web page, an editor) to answer, instead of being rejected at once. Past the wait it is rejected.
import type { PermissionReply, PermissionRequest } from "../protocol/index.js";
import { UsageError } from "./output.js";
import { actionInWords } from "./permission-words.js";

export const DEFAULT_WAIT_SECONDS = 300;

/** `--wait-permission` alone, `=seconds`, or absent; a value that is no number is not the flag's (a message word). */
export function parseWaitPermission(value: string | boolean | undefined): {
  seconds: number | undefined;
  messageWord?: string;
} {
  if (value === undefined || value === false) return { seconds: undefined };
  if (value === true) return { seconds: DEFAULT_WAIT_SECONDS };
  if (!/^\d+(\.\d+)?$/.test(value.trim())) return { seconds: DEFAULT_WAIT_SECONDS, messageWord: value };
  const seconds = Number(value);
  if (!(seconds > 0)) throw new UsageError(`invalid --wait-permission: ${value} (seconds, more than 0)`);
  return { seconds };
}

export class PermissionWaits {
  private readonly waiting = new Map<string, (reply: PermissionReply | undefined) => void>();

  constructor(private readonly stderr: NodeJS.WritableStream) {}

  /** Resolves with another client's answer, or undefined when none came within `seconds`. */
  wait(request: PermissionRequest, seconds: number): Promise<PermissionReply | undefined> {
    this.stderr.write(
      `moor: waiting up to ${seconds} s for another client to allow or refuse: ${actionInWords(request)}\n`,
    );
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(undefined), seconds * 1000);
      const finish = (reply: PermissionReply | undefined) => {
        clearTimeout(timer);
        this.waiting.delete(request.id);
        resolve(reply);
      };
      this.waiting.set(request.id, finish);
    });
  }

  /** A `permission.replied` event: the question was answered elsewhere. */
  replied(requestID: string, reply: PermissionReply): void {
    const finish = this.waiting.get(requestID);
    if (!finish) return;
    this.stderr.write(`moor: another client answered: ${reply === "reject" ? "refused" : `allowed (${reply})`}\n`);
    finish(reply);
  }

  /** The turn ended: stop every wait (their timers would keep the process alive). */
  close(): void {
    for (const finish of [...this.waiting.values()]) finish(undefined);
  }
}
