// Joining mid-stream: clients that open a busy session at random moments of a long reply must show, at every
// moment, a prefix of the text that ends up stored, and at the end exactly that text (no word missing or doubled).
// A real `moor serve`, the fake model streaming slowly, and the real client module (src/client) and view model.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  applyTranscriptEvent,
  type MessageSnapshot,
  MoorClient,
  SnapshotJoin,
  type TranscriptMessage,
} from "../../src/client/index.js";
import { initialView, type ViewAction, type ViewState, viewReducer } from "../../src/client/view-model.js";
import type { MessageWithParts, MoorEvent } from "../../src/protocol/index.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let server: ServeHandle;

beforeAll(async () => {
  llm = await startFakeLlm();
  const home = makeTempHome(llm.url);
  server = await startServe(home.env, [], home.project);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await llm?.close();
});

/** Every text a client showed for each part, in order, and how it ended. */
interface Watcher {
  seen: Map<string, string[]>;
  final: () => TranscriptMessage[];
  close(): void;
}

function record(seen: Map<string, string[]>, messages: TranscriptMessage[]): void {
  for (const message of messages) {
    for (const part of message.parts) {
      if (part.type !== "text") continue;
      const list = seen.get(part.id) ?? [];
      if (list.at(-1) !== part.text) list.push(part.text);
      seen.set(part.id, list);
    }
  }
}

/** A client as `moor run --attach --follow` joins: SnapshotJoin + the transcript fold. */
function foldWatcher(client: MoorClient, sessionID: string): Watcher {
  const seen = new Map<string, string[]>();
  let messages: TranscriptMessage[] = [];
  const join = new SnapshotJoin();
  const ticket = join.hold();
  const apply = (event: MoorEvent) => {
    messages = applyTranscriptEvent(messages, sessionID, event);
    record(seen, messages);
  };
  const stream = client.events({
    onEvent: (event, id) => {
      if (join.offer(event, id)) apply(event);
    },
    onState: (state) => {
      if (state !== "open" || !join.holding) return;
      void client.messageSnapshot(sessionID).then((snapshot: MessageSnapshot) => {
        messages = snapshot.messages;
        record(seen, messages);
        for (const event of join.release(ticket, snapshot.eventId) ?? []) apply(event);
      });
    },
  });
  return { seen, final: () => messages, close: () => stream.close() };
}

/** A client as the terminal UI and the web page join: the shared view reducer's joining/open/event actions. */
function viewWatcher(client: MoorClient, sessionID: string): Watcher {
  const seen = new Map<string, string[]>();
  let view: ViewState = initialView;
  const dispatch = (action: ViewAction) => {
    view = viewReducer(view, action);
    record(seen, view.messages);
  };
  const stream = client.events({
    onEvent: (event, id) => dispatch({ type: "event", event, id }),
    onState: (state) => {
      if (state !== "open" || view.sessionID) return;
      dispatch({ type: "joining", join: 1 });
      void (async () => {
        const { messages, eventId } = await client.messageSnapshot(sessionID);
        const session = await client.getSession(sessionID);
        dispatch({ type: "open", session, messages, eventId, join: 1, busy: true, permissions: [] });
      })();
    },
  });
  return { seen, final: () => view.messages, close: () => stream.close() };
}

function lastText(watcher: Watcher): string | undefined {
  const texts = watcher
    .final()
    .flatMap((message) => message.parts)
    .flatMap((part) => (part.type === "text" ? [part.text] : []));
  return texts.at(-1);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("joining a busy session mid-stream", () => {
  it("shows a prefix of the stored text at every moment and exactly the stored text at the end", async () => {
    const words = Array.from({ length: 400 }, (_, i) => `w${i}`).join(" ");
    llm.script({ text: words, delayMs: 4 });
    const client = new MoorClient({ baseUrl: server.url });
    const session = await client.createSession({});
    await client.promptAsync(session.id, { parts: [{ type: "text", text: "talk" }] });
    const watchers: Watcher[] = [];
    // Joins spread over the stream, at random moments (~1.6 s of tokens, slower on a loaded machine).
    const joins = Array.from({ length: 8 }, (_, i) => i * 150 + Math.floor(Math.random() * 150));
    const watching = joins.map(
      (delay, i) =>
        new Promise<void>((resolve) =>
          setTimeout(() => {
            watchers.push((i % 2 === 0 ? foldWatcher : viewWatcher)(client, session.id));
            resolve();
          }, delay),
        ),
    );
    await Promise.all(watching);
    try {
      while ((await client.statuses())[session.id]) await sleep(50);
      const stored = (await client.messages(session.id)) as MessageWithParts[];
      const storedText = new Map<string, string>();
      for (const message of stored)
        for (const part of message.parts) if (part.type === "text") storedText.set(part.id, part.text);
      const reply = [...storedText.values()].at(-1);
      expect(reply).toBe(words);
      // The turn is over; each watcher gets the last events (or its snapshot) shortly. A watcher that never
      // gets there fails the equality check below.
      for (let waited = 0; waited < 5000 && !watchers.every((watcher) => lastText(watcher) === words); waited += 20) {
        await sleep(20);
      }
      let joinedMidStream = 0;
      for (const watcher of watchers) {
        for (const [partID, texts] of watcher.seen) {
          const full = storedText.get(partID);
          expect(full, `a part the store does not have: ${partID}`).toBeDefined();
          for (const text of texts) {
            if (!full?.startsWith(text)) {
              throw new Error(`shown text is not a prefix of the stored text:\n${text.slice(-200)}`);
            }
          }
          if (texts.length > 1 && texts[0].length > 0 && texts[0] !== full) joinedMidStream++;
        }
        expect(lastText(watcher)).toBe(words);
      }
      // The test is only worth something if clients did join in the middle of the text.
      expect(joinedMidStream).toBeGreaterThan(0);
    } finally {
      for (const watcher of watchers) watcher.close();
    }
  });
});
