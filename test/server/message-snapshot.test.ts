// The message list's promise (src/server/message-snapshot.ts): its body reflects every event up to the id in its
// `x-moor-event-id` header and none after. Snapshots are taken at many moments of a streaming reply and each is
// compared with the text the events up to its id announced.
import { describe, expect, it } from "vitest";
import { type MessageWithParts, parseEventId } from "../../src/protocol/index.js";
import { createMoorApp } from "../../src/server/app.js";
import { openCoreFixture } from "../fakes/core-fixture.js";

describe("GET /session/:id/message", () => {
  it("answers exactly the text the events up to its x-moor-event-id announced, at any moment of a stream", async () => {
    const fixture = await openCoreFixture({
      prefix: "snapshot",
      steps: [{ text: "alpha beta gamma delta epsilon ".repeat(40), delayMs: 1 }],
    });
    const { dir, core } = fixture;
    const { app } = createMoorApp({ core, version: "test", defaultDirectory: dir });
    // The text of every text part after each event, by sequence number.
    const announcedAt = new Map<number, Map<string, string>>();
    const text = new Map<string, string>();
    core.bus.subscribe(({ seq, event }) => {
      if (event.type === "message.part.updated" && event.properties.part.type === "text") {
        text.set(event.properties.part.id, event.properties.part.text);
      }
      if (event.type === "message.part.delta") {
        const { partID, delta } = event.properties;
        text.set(partID, (text.get(partID) ?? "") + delta);
      }
      announcedAt.set(seq, new Map(text));
    });
    const session = await core.sessions.create({ directory: dir });
    const turn = core.sessions.prompt(session.id, { parts: [{ type: "text", text: "talk" }] });
    let streaming = true;
    void turn.finally(() => {
      streaming = false;
    });
    const snapshots: { seq: number; messages: MessageWithParts[] }[] = [];
    while (streaming) {
      const response = await app.request(`/session/${session.id}/message`);
      const position = parseEventId(response.headers.get("x-moor-event-id"));
      expect(position).toBeDefined();
      snapshots.push({ seq: position!.seq, messages: (await response.json()) as MessageWithParts[] });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await turn;
    // Taken while the reply streamed, not only before or after it.
    const midStream = snapshots.filter(({ messages }) =>
      messages.some((message) => message.info.role === "assistant" && message.info.time.completed === undefined),
    );
    expect(midStream.length).toBeGreaterThan(3);
    for (const { seq, messages } of snapshots) {
      const announced = announcedAt.get(seq) ?? new Map<string, string>();
      for (const part of messages.flatMap((message) => message.parts)) {
        if (part.type === "text") expect(part.text, `part ${part.id} at event ${seq}`).toBe(announced.get(part.id));
      }
    }
    await fixture.close();
  });
});
