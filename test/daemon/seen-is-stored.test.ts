// Streamed text a client has been shown survives a kill -9 (DESIGN.md §3, Durability: written before announced,
// deltas included): a real `moor serve`, killed at random moments of long streamed replies, restarted on the same
// data dir; every part's text any SSE client saw must be a prefix of what the restarted server has stored.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

const json = { "content-type": "application/json" };
const KILLS = 4;

/** Text per part as one SSE client was shown it: the deltas, and the full text of part updates. */
function watch(url: string): {
  seen: Map<string, string>;
  deltas: () => number;
  connected: Promise<void>;
  done: Promise<void>;
} {
  const seen = new Map<string, string>();
  let deltas = 0;
  let subscribed!: () => void;
  /** The stream's first frame (server.connected) arrived: the client is subscribed from then on. */
  const connected = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  const done = (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    const response = await fetch(`${url}/event`).catch((error) => {
      // Failing to connect fails the test (through `done`); it must not leave `connected` waiting forever.
      subscribed();
      throw error;
    });
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        for (let end = buffer.indexOf("\n"); end !== -1; end = buffer.indexOf("\n")) {
          const line = buffer.slice(0, end);
          buffer = buffer.slice(end + 1);
          if (!line.startsWith("data: ")) continue;
          const { type, properties } = JSON.parse(line.slice(6));
          if (type === "server.connected") subscribed();
          if (type === "message.part.delta") {
            seen.set(properties.partID, (seen.get(properties.partID) ?? "") + properties.delta);
            deltas++;
          }
          if (type === "message.part.updated" && typeof properties.part.text === "string") {
            const shown = seen.get(properties.part.id) ?? "";
            if (properties.part.text.length >= shown.length) seen.set(properties.part.id, properties.part.text);
          }
        }
      }
    } catch {
      // The server was killed under the stream: what arrived before is what this client saw.
    } finally {
      subscribed();
    }
  })();
  return { seen, deltas: () => deltas, connected, done };
}

async function until(predicate: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("kill -9 during long streamed replies", () => {
  it(`keeps every character a client saw, over ${KILLS} kills at random moments`, async () => {
    const home = makeTempHome(llm.url);
    const reply = Array.from({ length: 600 }, (_, i) => `word${i}`).join(" ");
    llm.setDefault({ reasoning: "let me think about this for a while ".repeat(4), text: reply, delayMs: 2 });
    let server: ServeHandle = await startServe(home.env, [], home.project);
    try {
      const created = await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" });
      const sessionID = ((await created.json()) as { id: string }).id;
      let checkedParts = 0;
      let checkedChars = 0;
      for (let round = 0; round < KILLS; round++) {
        const client = watch(server.url);
        await client.connected;
        const started = await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
          method: "POST",
          headers: json,
          body: JSON.stringify({ parts: [{ type: "text", text: `round ${round}` }] }),
        });
        expect(started.status).toBe(204);
        // Somewhere in the stream: after the first deltas, at a random moment.
        await until(() => client.deltas() > 0, "the first delta");
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
        await server.stop("SIGKILL");
        await client.done;
        server = await startServe(home.env, [], home.project);
        const history = (await (
          await fetch(`${server.url}/session/${sessionID}/message`)
        ).json()) as MessageWithParts[];
        const stored = new Map(history.flatMap((message) => message.parts).map((part) => [part.id, part]));
        for (const [partID, seenText] of client.seen) {
          const part = stored.get(partID);
          const storedText = part && "text" in part ? part.text : "";
          expect(
            storedText.startsWith(seenText),
            `round ${round}, part ${partID}: a client saw ${seenText.length} characters, ${storedText.length} are stored`,
          ).toBe(true);
          checkedParts++;
          checkedChars += seenText.length;
        }
      }
      expect(checkedParts).toBeGreaterThanOrEqual(KILLS);
      expect(checkedChars).toBeGreaterThan(0);
    } finally {
      await server.stop("SIGKILL");
    }
  }, 60_000);
});
