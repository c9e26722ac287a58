import { describe, expect, it } from "vitest";
import type { TranscriptMessage } from "../../src/client/transcript.js";
import { transcriptMarkdown } from "../../src/client/transcript-markdown.js";

describe("transcriptMarkdown", () => {
  it("writes prompts, replies and tool calls as a readable document", () => {
    const messages = [
      {
        info: { id: "msg_1", sessionID: "ses_1", role: "user", time: { created: 1 } },
        parts: [{ id: "p1", sessionID: "ses_1", messageID: "msg_1", type: "text", text: "list files" }],
      },
      {
        info: {
          id: "msg_2",
          sessionID: "ses_1",
          role: "assistant",
          agent: "build",
          providerID: "fake",
          modelID: "echo",
        },
        parts: [
          {
            id: "p2",
            sessionID: "ses_1",
            messageID: "msg_2",
            type: "tool",
            tool: "bash",
            callID: "c",
            state: { status: "completed", input: { command: "ls" }, output: "a.txt", title: "ls", metadata: {} },
          },
          { id: "p3", sessionID: "ses_1", messageID: "msg_2", type: "text", text: "There is **a.txt**." },
        ],
      },
    ] as unknown as TranscriptMessage[];
    const document = transcriptMarkdown({ id: "ses_1", title: "Files", directory: "/work" }, messages);
    expect(document).toContain("# Files\n\nSession ses_1 in /work");
    expect(document).toContain("## User\n\nlist files");
    expect(document).toContain("## Assistant (build · fake/echo)");
    expect(document).toContain(
      '**Tool: bash** (completed)\n\n```json\n{\n  "command": "ls"\n}\n```\n\n```\na.txt\n```',
    );
    expect(document).toContain("There is **a.txt**.");
  });
});
