import { describe, expect, it } from "vitest";
import type { TranscriptMessage } from "../../src/client/transcript.js";
import { formatCost, formatDuration, turnProgress } from "../../src/client/turn-progress.js";

const tokens = (input: number, output: number) => ({ input, output, reasoning: 0, cache: { read: 0, write: 0 } });

function assistant(id: string, input: number, output: number, cost: number, text: string, completed?: number) {
  return {
    info: {
      id,
      sessionID: "ses_1",
      role: "assistant",
      time: { created: 1000, completed },
      parentID: "msg_u2",
      modelID: "m",
      providerID: "p",
      mode: "build",
      agent: "build",
      path: { cwd: "/", root: "/" },
      cost,
      tokens: tokens(input, output),
    },
    parts: [{ id: `${id}-t`, sessionID: "ses_1", messageID: id, type: "text", text }],
  } as TranscriptMessage;
}

const user = (id: string, created: number) =>
  ({ info: { id, sessionID: "ses_1", role: "user", time: { created } }, parts: [] }) as TranscriptMessage;

describe("turnProgress", () => {
  it("sums the current turn's counted tokens and cost, and estimates text still streaming", () => {
    const progress = turnProgress([
      user("msg_u1", 10),
      assistant("msg_a0", 500, 500, 1, "old turn", 20),
      user("msg_u2", 900),
      assistant("msg_a1", 100, 20, 0.002, "done step", 950),
      assistant("msg_a2", 0, 0, 0, "x".repeat(40)),
    ]);
    expect(progress).toEqual({ started: 900, input: 100, output: 30, cost: 0.002, estimated: true });
  });

  it("formats durations and costs for people", () => {
    expect(formatDuration(850)).toBe("850ms");
    expect(formatDuration(4200)).toBe("4.2s");
    expect(formatDuration(185_000)).toBe("3m 05s");
    expect(formatCost(0.0021)).toBe("$0.0021");
    expect(formatCost(1.5)).toBe("$1.50");
  });
});
