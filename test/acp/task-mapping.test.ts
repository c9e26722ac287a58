// ACP shows a running subagent as one tool call whose content names the child session and its progress (issue 15 §2).
import { describe, expect, it } from "vitest";
import { toolCallUpdate } from "../../src/acp/mapping.js";
import { taskProgress, taskProgressLine } from "../../src/client/task-progress.js";
import type { ToolPart } from "../../src/protocol/index.js";

const input = { description: "Find TODOs", prompt: "find them", subagent_type: "explore" };
const running: ToolPart = {
  id: "prt_1",
  sessionID: "ses_parent",
  messageID: "msg_1",
  type: "tool",
  callID: "call_1",
  tool: "task",
  state: {
    status: "running",
    input,
    title: "Find TODOs",
    time: { start: 1 },
    metadata: {
      sessionId: "ses_child",
      agent: "explore",
      summary: [
        { id: "prt_a", tool: "glob", state: { status: "completed", title: "src/**" } },
        { id: "prt_b", tool: "grep", state: { status: "running", title: "TODO" } },
      ],
    },
  },
};

describe("a task tool call", () => {
  it("reads as its child session and progress", () => {
    const progress = taskProgress(running);
    expect(progress).toMatchObject({ sessionID: "ses_child", agent: "explore", calls: 2, done: 1 });
    expect(taskProgressLine(progress as NonNullable<typeof progress>)).toBe(
      "@explore · ses_child · 1/2 tool calls · grep: TODO",
    );
    expect(taskProgress({ ...running, tool: "bash" })).toBeUndefined();
  });

  it("over ACP, names the child session while running and gives the result with its task_id when done", () => {
    const update = toolCallUpdate(running);
    expect(update).toMatchObject({
      sessionUpdate: "tool_call_update",
      status: "in_progress",
      title: "Find TODOs",
      content: [{ type: "content", content: { type: "text", text: expect.stringContaining("ses_child") } }],
    });
    expect(JSON.stringify(update)).toContain("1/2 tool calls · grep: TODO");
    const output =
      "task_id: ses_child (for resuming to continue this task if needed)\n\n<task_result>\nok\n</task_result>";
    const done = toolCallUpdate({
      ...running,
      state: { ...running.state, status: "completed", output, time: { start: 1, end: 2 } } as ToolPart["state"],
    });
    expect(JSON.stringify(done)).toContain("task_id: ses_child");
  });
});
