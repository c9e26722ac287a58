// The sync prompt's reply comes after every event frame of its turn: OpenCode's `run --attach` exits as soon as
// the reply arrives, so a frame that came after it (the text part's end, session.idle) was never printed. A real
// `moor serve`; a plain node:http client reads the event stream and the reply as they reach it.
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let server: ServeHandle;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.setDefault({ text: "hello there" });
  const home = makeTempHome(llm.url);
  server = await startServe(home.env, [], home.project);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await llm?.close();
});

function post(url: string, body: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": "application/json" } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        text += chunk;
      });
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("the sync prompt's reply", () => {
  it("arrives after the turn's last event frame, turn after turn", async () => {
    const session = (await (
      await fetch(`${server.url}/session`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      })
    ).json()) as { id: string };
    const seen: string[] = [];
    let connected = () => {};
    const open = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const stream = request(`${server.url}/event`, (res) => {
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          const data = buffer
            .slice(0, end)
            .split("\n")
            .find((line) => line.startsWith("data: "));
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          if (!data) continue;
          const event = JSON.parse(data.slice(6)) as { type: string; properties: { sessionID?: string } };
          if (event.type === "server.connected") connected();
          if (event.properties.sessionID === session.id) seen.push(event.type);
        }
      });
    });
    stream.end();
    try {
      await open;
      for (let turn = 0; turn < 10; turn++) {
        seen.length = 0;
        await post(`${server.url}/session/${session.id}/message`, { parts: [{ type: "text", text: `turn ${turn}` }] });
        // What the event stream had delivered when the reply was complete: the whole turn, idle included.
        expect(seen, `turn ${turn}`).toContain("session.idle");
      }
    } finally {
      stream.destroy();
    }
  });
});
