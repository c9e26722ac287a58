// Cluster mode end to end in its simplest form (issue 20 §2): one API node and one worker on a real PostgreSQL; a
// sync prompt on the API node runs on the worker and answers with the reply; the API node's event stream carries
// the turn with ids from the cluster's event log; a directory no worker serves is refused with 503.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { readSse, type ServeHandle, type SseItem, startServe, watchSse } from "../fakes/serve.js";

let pgServer: PostgresServer;
let llm: FakeLlm;
let home: TempHome;
let api: ServeHandle;
let worker: ReturnType<typeof spawnMoor>;
let env: Record<string, string>;
let storeUrl: string;
/** The first test's stream, for the replay test. */
let streamed: SseItem[] = [];

beforeAll(async () => {
  pgServer = await startPostgres();
  llm = await startFakeLlm();
  home = makeTempHome(llm.url, { permission: { edit: "ask", bash: "allow" } });
  storeUrl = await pgServer.createDatabase("cluster_smoke");
  env = { ...home.env, MOOR_STORE_URL: storeUrl, MOOR_LEASE_MS: "1500" };
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

async function newSession(): Promise<{ id: string }> {
  const created = await fetch(`${api.url}/session?directory=${encodeURIComponent(home.project)}`, {
    method: "POST",
    headers: json,
    body: "{}",
  });
  return (await created.json()) as { id: string };
}

function prompt(sessionID: string, text: string): Promise<Response> {
  return fetch(`${api.url}/session/${sessionID}/message`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text }] }),
  });
}

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
    streamed = items;
    expect(items.at(-1)?.event.properties.sessionID).toBe(session.id);
    const ids = items.map((item) => Number(item.id?.split("-")[1]));
    expect(ids.every((id, index) => index === 0 || id > ids[index - 1])).toBe(true);
    const deltas = items.filter((item) => item.event.type === "message.part.delta");
    expect(deltas.map((item) => item.event.properties.delta).join("")).toBe("hello from the worker");
  }, 30_000);

  it("another API node, started later, replays from the log exactly what followed a Last-Event-ID of the first", async () => {
    const other = await startServe(env, ["--role", "api"], home.project);
    try {
      const cut = streamed[3];
      const expected = streamed.slice(4).map((item) => ({ id: item.id, event: item.event }));
      const replayed = await readSse(`${other.url}/event?directory=${encodeURIComponent(home.project)}`, {
        headers: { "last-event-id": cut.id as string },
        until: (items) => items.length > expected.length,
        timeoutMs: 10_000,
      });
      expect(replayed[0].event.type).toBe("server.connected");
      expect(replayed.slice(1).map((item) => ({ id: item.id, event: item.event }))).toEqual(expected);
    } finally {
      await other.stop();
    }
  }, 30_000);

  it("passes a permission answer given on the API node to the worker whose turn waits for it", async () => {
    const session = await newSession();
    const sse = watchSse(`${api.url}/event?directory=${encodeURIComponent(home.project)}`, {
      until: (items) => items.some((item) => item.event.type === "permission.asked"),
      timeoutMs: 20_000,
    });
    await sse.connected;
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "note.txt", content: "from the worker\n" } }] },
      { text: "written" },
    );
    const answer = prompt(session.id, "write a note");
    const asked = (await sse.done).at(-1)?.event.properties as { id: string };
    expect(existsSync(join(home.project, "note.txt"))).toBe(false);
    const reply = await fetch(`${api.url}/permission/${asked.id}/reply`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ reply: "once" }),
    });
    expect(reply.status).toBe(200);
    const done = await answer;
    expect(done.status).toBe(200);
    expect(readFileSync(join(home.project, "note.txt"), "utf8")).toBe("from the worker\n");
  }, 30_000);

  it("aborts the worker's turn when asked on an API node, one started mid-turn included", async () => {
    const session = await newSession();
    const sse = watchSse(`${api.url}/event?directory=${encodeURIComponent(home.project)}`, {
      until: (items) => items.some((item) => item.event.type === "message.part.delta"),
      timeoutMs: 20_000,
    });
    await sse.connected;
    llm.script({ text: Array.from({ length: 200 }, (_, n) => `t${n}`).join(" "), delayMs: 50 });
    const answer = prompt(session.id, "talk for a while");
    await sse.done;
    // A node started mid-turn knows the session is busy (its worker holds the lease) and can abort it.
    const other = await startServe(env, ["--role", "api"], home.project);
    try {
      const busy = (await (await fetch(`${other.url}/session/status`)).json()) as Record<string, { type: string }>;
      expect(busy[session.id]).toEqual({ type: "busy" });
      const aborted = await fetch(`${other.url}/session/${session.id}/abort`, { method: "POST" });
      expect(await aborted.json()).toBe(true);
    } finally {
      await other.stop();
    }
    const reply = (await (await answer).json()) as { info: { error?: { name: string } } };
    expect(reply.info.error?.name).toBe("MessageAbortedError");
    const status = (await (await fetch(`${api.url}/session/status`)).json()) as Record<string, unknown>;
    expect(status[session.id]).toBeUndefined();
  }, 30_000);

  it("runs the user's own shell command (OpenCode's !command) on the worker", async () => {
    const session = await newSession();
    const answer = await fetch(`${api.url}/session/${session.id}/shell`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ agent: "build", command: "echo from-the-shell; pwd" }),
    });
    expect(answer.status).toBe(200);
    const reply = (await answer.json()) as {
      parts: { type: string; tool?: string; state?: { status: string; output?: string } }[];
    };
    const call = reply.parts.find((part) => part.type === "tool" && part.tool === "bash");
    expect(call?.state?.status).toBe("completed");
    // Run by the worker, in the session's directory.
    expect(call?.state?.output).toContain(`from-the-shell\n${home.project}`);
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

  it("a worker sweeps the inbox items finished longer ago than MOOR_INBOX_KEEP_MS", async () => {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: storeUrl });
    await client.connect();
    const finished = async () =>
      Number((await client.query("SELECT count(*) AS n FROM session_inbox WHERE time_done IS NOT NULL")).rows[0].n);
    // The earlier tests' prompts, aborts and answers, kept by the first worker (its keep is an hour).
    expect(await finished()).toBeGreaterThan(0);
    const sweeper = spawnMoor(["serve", "--role", "worker", "--dir", home.project], {
      env: { ...env, MOOR_INBOX_KEEP_MS: "1000" },
      cwd: home.project,
    });
    try {
      await waitForOutput(sweeper, (stdout) => /moor worker \S+ serving/.test(stdout), 20_000);
      const deadline = Date.now() + 15_000;
      while ((await finished()) > 0) {
        if (Date.now() > deadline) throw new Error("the finished items were not swept");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      sweeper.kill("SIGKILL");
      await client.end();
    }
  }, 40_000);
});
