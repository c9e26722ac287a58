import { afterAll, beforeAll, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let pgServer: PostgresServer;
let llm: FakeLlm;
let home: TempHome;
let api: ServeHandle;
let single: ServeHandle;
let worker: ReturnType<typeof spawnMoor>;
beforeAll(async () => {
  pgServer = await startPostgres();
  llm = await startFakeLlm({ defaultReply: { text: "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty" } });
  home = makeTempHome(llm.url);
  const url = await pgServer.createDatabase("cluster_timing");
  const env = { ...home.env, MOOR_STORE_URL: url, MOOR_LEASE_MS: "15000" };
  worker = spawnMoor(["serve", "--role", "worker", "--dir", home.project], { env, cwd: home.project });
  await waitForOutput(worker, (stdout) => /moor worker \S+ serving/.test(stdout), 20_000);
  api = await startServe(env, ["--role", "api"], home.project);
  single = await startServe(home.env, [], home.project);
}, 60_000);
afterAll(async () => {
  await api?.stop();
  await single?.stop();
  worker?.kill("SIGKILL");
  await llm?.close();
  await pgServer?.stop();
});
const json = { "content-type": "application/json" };
async function measure(url: string, n: number) {
  const s = (await (await fetch(`${url}/session?directory=${encodeURIComponent(home.project)}`, { method: "POST", headers: json, body: "{}" })).json()) as { id: string };
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await fetch(`${url}/session/${s.id}/message`, { method: "POST", headers: json, body: JSON.stringify({ parts: [{ type: "text", text: "hi" }] }) });
    await r.json();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(n / 2)];
}
it("timing", async () => {
  for (let round = 0; round < 3; round++) {
    console.log("single", (await measure(single.url, 15)).toFixed(1), "cluster", (await measure(api.url, 15)).toFixed(1));
  }
}, 120_000);
