import { describe, expect, it } from "vitest";
import { toModelPrompt } from "../../src/core/history.js";
import type { MessageWithParts, Part } from "../../src/protocol/index.js";

const file = (id: string, mime: string, url: string): Part => ({
  id,
  sessionID: "ses_1",
  messageID: "msg_1",
  type: "file",
  mime,
  url,
});

describe("history replay", () => {
  it("never throws on a stored attachment, however malformed", () => {
    // Parts an older moor accepted, or an imported file carries: each becomes content, none stops the session.
    const parts: Part[] = [
      file("prt_1", "text/plain", "data:,%ZZ"),
      file("prt_2", "text/plain", "data:,%FF%FE"),
      file("prt_3", "text/plain", "data:no-comma"),
      file("prt_4", "image/png", "data:image/png,%E0%A4%A"),
      file("prt_5", "image/png", "data:image/png;base64,@@@"),
      file("prt_6", "image/png", "not a url"),
      file("prt_7", "text/plain", "data:"),
      file("prt_8", "application/pdf", "file:///tmp/x.pdf"),
    ];
    const history: MessageWithParts[] = [
      { info: { id: "msg_1", sessionID: "ses_1", role: "user", time: { created: 1 } }, parts },
    ];
    const prompt = toModelPrompt(history);
    expect(prompt).toHaveLength(1);
    const content = prompt[0].role === "user" ? prompt[0].content : [];
    expect(content).toHaveLength(parts.length);
    expect(content[0]).toEqual({ type: "text", text: "File :\n%ZZ" });
    expect(content[2]).toEqual({ type: "text", text: "File :\n" });
    expect(content[7]).toEqual({ type: "text", text: "[Attached file file:///tmp/x.pdf (application/pdf)]" });
  });
});
