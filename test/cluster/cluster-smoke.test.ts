// Cluster mode end to end in its simplest form (issue 20 §2): one API node and one worker on a real PostgreSQL; a
// sync prompt on the API node runs on the worker and answers with the reply; the API node's event stream carries
// the turn with ids from the cluster's event log; a directory no worker serves is refused with 503.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { type ServeHandle, startServe, watchSse } from "../fakes/serve.js";

let pgServer: PostgresServer;
let llm: FakeLlm;
let home: TempHome;
let api: ServeHandle;
let worker: ReturnType<typeof spawnMoor>;

beforeAll(async () => {
  pgServer = await startPostgres();
  llm = await startFakeLlm();
  home = makeTempHome(llm.url);
  const url = await pgServer.createDatabase("cluster_smoke");
  const env = { ...home.env, MOOR_STORE_URL: url, MOOR_LEASE_MS: "1500" };
  worker = spawnMoor(["serve", "--role", "worker", "--dir", home.project], { env, cwd: home.project });
  await waitForOutput(worker, (stdout) => /moor worker \S+ serving/.test(stdout), 20_000);
  api = await startServe(env, ["--role", "api"], home.project);
}, 60_000);

afterAll(async () => {
  await api?.stop();
  worker?.kill("SIGKILL");
  await llm?.close();
  await pgServer?.stop();
});

const json = { "content-type": "application/json" };

describe("a cluster of one API node and one worker", () => {
  it("runs a sync prompt on the worker and answers with its reply; the stream has it with log ids", async () => {
    const created = await fetch(`${api.url}/session?directory=${encodeURIComponent(home.project)}`, {
      method: "POST",
      headers: json,
      body: "{}",
    });
    expect(created.status).toBe(200);
    const session = (await created.json()) as { id: string };
    const sse = watchSse(`${api.url}/event?directory=${encodeURIComponent(home.project)}`, {
      until: (items) => items.some((item) => item.event.type === "session.idle"),
      timeoutMs: 20_000,
    });
    await sse.connected;
    llm.script({ text: "hello from the worker" });
    const answer = await fetch(`${api.url}/session/${session.id}/message`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "hi" }] }),
    });
    expect(answer.status).toBe(200);
    const reply = (await answer.json()) as { info: { role: string }; parts: { type: string; text?: string }[] };
    expect(reply.info.role).toBe("assistant");
    expect(reply.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual([
      "hello from the worker",
    ]);
    const items = (await sse.done).slice(1);
    expect(items.at(-1)?.event.properties.sessionID).toBe(session.id);
    const ids = items.map((item) => Number(item.id?.split("-")[1]));
    expect(ids.every((id, index) => index === 0 || id > ids[index - 1])).toBe(true);
    const deltas = items.filter((item) => item.event.type === "message.part.delta");
    expect(deltas.map((item) => item.event.properties.delta).join("")).toBe("hello from the worker");
  }, 30_000);

  it("refuses a prompt for a directory no worker serves with 503 no_worker", async () => {
    const elsewhere = join(home.root, "elsewhere");
    mkdirSync(elsewhere, { recursive: true });
    const created = await fetch(`${api.url}/session?directory=${encodeURIComponent(elsewhere)}`, {
      method: "POST",
      headers: json,
      body: "{}",
    });
    const session = (await created.json()) as { id: string };
    const answer = await fetch(`${api.url}/session/${session.id}/message`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "hi" }] }),
    });
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe("no_worker");
    const messages = (await (await fetch(`${api.url}/session/${session.id}/message`)).json()) as unknown[];
    expect(messages).toEqual([]);
  }, 30_000);
});
