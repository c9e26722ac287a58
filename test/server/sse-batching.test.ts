// SSE fan-out to Node responses (src/server/sse.ts): the frames a response gets in one turn of the event loop go
// to its socket in one write. A write per event per client was most of a busy server's CPU (1,000 clients, 100
// turns at once: ~57,000 writes for ~40 events a turn), because events published from separate ticks (the model's
// chunks pass through several) each flushed on their own.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EventBus } from "../../src/core/bus.js";
import { framesWritten, sseToNodeResponse } from "../../src/server/sse.js";

let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe("SSE frames to a Node response", () => {
  it("events published in separate ticks of one turn of the event loop leave in one write, in order", async () => {
    const bus = new EventBus({ epoch: "e1" });
    const writes: string[] = [];
    let response: ServerResponse | undefined;
    server = createServer((_req, res) => {
      response = res;
      const write = res.write.bind(res) as (chunk: Uint8Array) => boolean;
      res.write = ((chunk: Uint8Array) => {
        writes.push(Buffer.from(chunk).toString());
        return write(chunk);
      }) as typeof res.write;
      sseToNodeResponse({ bus, heartbeatMs: 60_000, bufferLimit: 1000, register: () => () => {} }, res, {});
    });
    await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const received: string[] = [];
    const controller = new AbortController();
    const reading = fetch(`http://127.0.0.1:${port}/`, { signal: controller.signal }).then(async (res) => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        received.push(decoder.decode(chunk));
        if (received.join("").includes('"delta":"4"')) return;
      }
    });
    while (!writes.some((text) => text.includes("server.connected"))) await new Promise((r) => setTimeout(r, 5));
    expect(response).toBeDefined();
    const before = writes.length;
    // Five deltas, each published from a tick of its own, all within one turn of the event loop.
    await new Promise<void>((resolve) => {
      const publish = (n: number) => {
        bus.publish(
          "message.part.delta",
          { sessionID: "ses_1", messageID: "msg_1", partID: "prt_1", field: "text", delta: String(n) },
          { directory: "/p", sessionID: "ses_1" },
        );
        if (n < 4) process.nextTick(publish, n + 1);
        else resolve();
      };
      publish(0);
    });
    await framesWritten();
    const frames = writes.slice(before);
    expect(frames).toHaveLength(1);
    expect([...frames[0].matchAll(/"delta":"(\d)"/g)].map((match) => match[1])).toEqual(["0", "1", "2", "3", "4"]);
    await reading;
    controller.abort();
    expect(received.join("")).toContain('"delta":"4"');
  });
});
