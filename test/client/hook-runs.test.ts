// Hook runs in the shared view model: kept where they happened in the transcript, folded to one line.
import { describe, expect, it } from "vitest";
import { hookRunLine, hookRunsAfter } from "../../src/client/hook-runs.js";
import { initialView, viewReducer } from "../../src/client/view-model.js";
import type { HookRan, Session } from "../../src/protocol/index.js";

const session = { id: "ses_1", directory: "/p", title: "t", time: { created: 1, updated: 1 } } as Session;
const run: HookRan = { sessionID: "ses_1", event: "tool.before", command: "./guard.sh", exit: 2, ms: 12.4 };

describe("hook runs in the view", () => {
  it("folds a run to one line: event, command, exit or timeout, decision, time", () => {
    expect(hookRunLine(run)).toBe("hook tool.before `./guard.sh` → exit 2 · 12 ms");
    expect(hookRunLine({ ...run, exit: null, error: "timed out after 400 ms and was killed", decision: "ask" })).toBe(
      "hook tool.before `./guard.sh` → timed out · ask · 12 ms",
    );
  });

  it("keeps a session's runs after the message that was last when each arrived; another session's are not kept", () => {
    let view = viewReducer(initialView, { type: "open", session, messages: [], busy: false, permissions: [] });
    view = viewReducer(view, { type: "event", event: { type: "hook.ran", properties: run } });
    view = viewReducer(view, {
      type: "event",
      event: {
        type: "message.updated",
        properties: {
          sessionID: "ses_1",
          info: { id: "msg_1", sessionID: "ses_1", role: "user", time: { created: 2 } } as never,
        },
      },
    });
    const later = { ...run, event: "session.idle" as const, exit: 0 };
    view = viewReducer(view, { type: "event", event: { type: "hook.ran", properties: later } });
    view = viewReducer(view, {
      type: "event",
      event: { type: "hook.ran", properties: { ...run, sessionID: "ses_2" } },
    });
    expect(hookRunsAfter(view.hookRuns).map((shown) => shown.run)).toEqual([run]);
    expect(hookRunsAfter(view.hookRuns, "msg_1").map((shown) => shown.run)).toEqual([later]);
  });
});
