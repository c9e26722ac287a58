// The message snapshot answers streaming parts with the text their events announced, whatever the store holds yet.
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/core/bus.js";
import type { MessageWithParts, TextPart } from "../../src/protocol/index.js";
import { AnnouncedText } from "../../src/server/message-snapshot.js";

const scope = { directory: "/p", sessionID: "ses_1" };
const part: TextPart = {
  id: "prt_1",
  sessionID: "ses_1",
  messageID: "msg_1",
  type: "text",
  text: "",
  time: { start: 1 },
};
const stored = (text: string): MessageWithParts[] => [
  {
    info: {
      id: "msg_1",
      sessionID: "ses_1",
      role: "assistant",
      time: { created: 1 },
    } as MessageWithParts["info"],
    parts: [{ ...part, text }],
  },
];

describe("AnnouncedText", () => {
  it("overlays the announced text of a streaming part, and lets go once the part ends or the session is idle", () => {
    const bus = new EventBus({ epoch: "e1" });
    const announced = new AnnouncedText(bus);
    bus.publish("message.part.updated", { sessionID: "ses_1", part }, scope);
    for (const delta of ["one", " two", " three"]) {
      bus.publish(
        "message.part.delta",
        { sessionID: "ses_1", messageID: "msg_1", partID: "prt_1", field: "text", delta },
        scope,
      );
    }
    // The store lags (flushed later) or leads (written before announced): the events decide.
    const lagging = announced.overlay(stored("one"));
    expect((lagging[0].parts[0] as TextPart).text).toBe("one two three");
    expect((announced.overlay(stored("one two three four"))[0].parts[0] as TextPart).text).toBe("one two three");
    expect(announced.position()).toBe("e1-4");
    bus.publish(
      "message.part.updated",
      { sessionID: "ses_1", part: { ...part, text: "one two three", time: { start: 1, end: 2 } } },
      scope,
    );
    const input = stored("one two three");
    expect(announced.overlay(input)).toBe(input);
    bus.publish("message.part.updated", { sessionID: "ses_1", part: { ...part, id: "prt_2" } }, scope);
    bus.publish("session.idle", { sessionID: "ses_1" }, scope);
    const after = stored("x");
    expect(announced.overlay(after)).toBe(after);
  });
});
