// Notifications in cluster mode (issues 19 §2 and 20 §2): every API node follows every event, and each would deliver
// the same webhook. One API node and another, one worker, a webhook receiver on loopback: each event the webhook asks
// for arrives once, though both nodes saw it, and so does a prompt's one-off webhook.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

interface Delivery {
  id: string;
  type: string;
  sessionID?: string;
}

let pgServer: PostgresServer;
let llm: FakeLlm;
let home: TempHome;
let apis: ServeHandle[] = [];
let worker: ReturnType<typeof spawnMoor>;
let receiver: Server;
const deliveries: Delivery[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    let text = "";
    request.on("data", (chunk) => {
      text += chunk;
    });
    request.on("end", () => {
      deliveries.push(JSON.parse(text) as Delivery);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  pgServer = await startPostgres();
  llm = await startFakeLlm();
  home = makeTempHome(llm.url, { notify: { webhooks: [{ url, events: ["session.idle", "session.status"] }] } });
  const env = { ...home.env, MOOR_STORE_URL: await pgServer.createDatabase("notify_once"), MOOR_LEASE_MS: "1500" };
  worker = spawnMoor(["serve", "--role", "worker", "--dir", home.project], { env, cwd: home.project });
  await waitForOutput(worker, (stdout) => /moor worker \S+ serving/.test(stdout), 20_000);
  apis = [
    await startServe(env, ["--role", "api"], home.project),
    await startServe(env, ["--role", "api"], home.project),
  ];
}, 60_000);

afterAll(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  worker?.kill("SIGKILL");
  await llm?.close();
  await pgServer?.stop();
  await new Promise<void>((resolve) => receiver?.close(() => resolve()));
});

it("delivers each event a webhook asks for once, though every API node saw it", async () => {
  const [first, second] = apis;
  const created = await fetch(`${first.url}/session?directory=${encodeURIComponent(home.project)}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  const session = (await created.json()) as { id: string };
  for (const [index, api] of [first, second, first].entries()) {
    llm.script({ text: `reply ${index}` });
    const answer = await fetch(`${api.url}/session/${session.id}/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parts: [{ type: "text", text: `prompt ${index}` }] }),
    });
    expect(answer.status).toBe(200);
  }
  const idles = () => deliveries.filter((d) => d.type === "session.idle" && d.sessionID === session.id);
  const deadline = Date.now() + 10_000;
  while (idles().length < 3 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  // Time for a second node's delivery to arrive, if it were to come.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  expect(idles()).toHaveLength(3);
  const ids = deliveries.map((d) => d.id);
  expect(new Set(ids).size).toBe(ids.length);
  // The statuses too (busy and idle of each turn): every one once.
  expect(deliveries.filter((d) => d.type === "session.status").length).toBeGreaterThanOrEqual(6);
}, 60_000);
