// A real ToolContext for tool tests: a temp project dir, asks recorded and answered by a rule.
import { mkdtempSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type PermissionAsk, PermissionDeniedError, type ToolContext } from "../../../src/core/tools/tool.js";

export interface TestContext extends ToolContext {
  asks: PermissionAsk[];
  progressUpdates: { metadata?: Record<string, unknown> }[];
  controller: AbortController;
}

export function makeContext(options: { deny?: (ask: PermissionAsk) => boolean; directory?: string } = {}): TestContext {
  const directory = options.directory ?? realpathSync(mkdtempSync(join(tmpdir(), "moor-tools-")));
  const asks: PermissionAsk[] = [];
  const progressUpdates: { metadata?: Record<string, unknown> }[] = [];
  const controller = new AbortController();
  return {
    directory,
    sessionID: "ses_test",
    messageID: "msg_test",
    callID: "call_test",
    abort: controller.signal,
    controller,
    now: Date.now,
    asks,
    progressUpdates,
    ask: async (ask) => {
      asks.push(ask);
      if (options.deny?.(ask)) throw new PermissionDeniedError(`denied ${ask.permission}`);
    },
    progress: (update) => progressUpdates.push(update),
  };
}
