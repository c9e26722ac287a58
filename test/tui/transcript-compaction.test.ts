// `moor attach` shows where compaction happened: the mark in the transcript, the summary folded until expanded.
import { PassThrough } from "node:stream";
import { render } from "ink";
import { createElement } from "react";
import { describe, expect, it } from "vitest";
import { COMPACTION_MARK } from "../../src/client/compaction.js";
import type { ViewMessage } from "../../src/client/view-model.js";
import type { AssistantMessage } from "../../src/protocol/index.js";
import { Transcript } from "../../src/tui/Transcript.js";

const summary: AssistantMessage = {
  id: "msg_2",
  sessionID: "ses_1",
  role: "assistant",
  time: { created: 2, completed: 3 },
  parentID: "msg_1",
  modelID: "m",
  providerID: "p",
  mode: "compaction",
  agent: "compaction",
  path: { cwd: "/p", root: "/p" },
  cost: 0,
  tokens: { total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
  summary: true,
};

const messages: ViewMessage[] = [
  {
    info: { id: "msg_1", sessionID: "ses_1", role: "user", time: { created: 1 } },
    parts: [{ id: "prt_1", sessionID: "ses_1", messageID: "msg_1", type: "text", text: "fix the bug" }],
  },
  {
    info: summary,
    parts: [{ id: "prt_2", sessionID: "ses_1", messageID: "msg_2", type: "text", text: "## Goal\nFix the bug" }],
  },
];

async function frame(expanded: boolean): Promise<string> {
  const stdout = Object.assign(new PassThrough(), { columns: 120, rows: 40, isTTY: false });
  let text = "";
  stdout.on("data", (chunk) => {
    text += String(chunk);
  });
  const app = render(createElement(Transcript, { messages, expanded }), {
    stdout: stdout as unknown as NodeJS.WriteStream,
    debug: true,
    patchConsole: false,
  });
  app.unmount();
  await app.waitUntilExit();
  return text;
}

describe("TUI transcript and compaction", () => {
  it("shows the compaction mark where the summary is, folded until expanded", async () => {
    const folded = await frame(false);
    expect(folded).toContain(COMPACTION_MARK);
    expect(folded).toContain("summary (");
    expect(folded).not.toContain("## Goal");
    expect(await frame(true)).toContain("## Goal");
  });
});
