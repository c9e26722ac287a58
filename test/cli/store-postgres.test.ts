// `moor serve`, `moor export` and `moor import` on PostgreSQL (`--store`, MOOR_STORE_URL, config `store`): a turn
// runs with its rows and events in the database, a killed server's turn is found interrupted by the next start
// (its owner's lock went with its connection), and a session moves from SQLite to PostgreSQL and back.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";
import { startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
let pg: PostgresServer;
let schemas = 0;
const freshStore = () => pg.createSchema(`cli_${++schemas}`);

beforeAll(async () => {
  [llm, pg] = await Promise.all([startFakeLlm(), startPostgres()]);
}, 30_000);
afterAll(async () => {
  await llm?.close();
  await pg?.stop();
});

const json = { "content-type": "application/json" };

async function newSession(url: string): Promise<string> {
  const response = await fetch(`${url}/session`, { method: "POST", headers: json, body: "{}" });
  return ((await response.json()) as { id: string }).id;
}

describe("moor on PostgreSQL", () => {
  it("serve --store runs a turn there, with SSE ids, and the next start and session list (MOOR_STORE_URL) find it", async () => {
    const home = makeTempHome(llm.url);
    const store = await freshStore();
    llm.respond(() => ({ text: "stored in postgres" }));
    const first = await startServe(home.env, ["--store", store], home.project);
    let sessionID: string;
    try {
      sessionID = await newSession(first.url);
      const stream = watchSse(`${first.url}/event`, {
        until: (items) => items.some((item) => item.event.type === "session.idle"),
        timeoutMs: 10_000,
      });
      await stream.connected;
      const reply = await fetch(`${first.url}/session/${sessionID}/message`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ parts: [{ type: "text", text: "hello" }] }),
      });
      expect(reply.status).toBe(200);
      const items = await stream.done;
      const deltas = items
        .filter((item) => item.event.type === "message.part.delta")
        .map((item) => (item.event.properties as { delta: string }).delta)
        .join("");
      expect(deltas).toBe("stored in postgres");
      expect(items.every((item) => item.id !== undefined)).toBe(true);
    } finally {
      await first.stop();
    }
    // No SQLite file was made: everything went to PostgreSQL.
    expect(existsSync(join(home.env.MOOR_DATA_DIR, "moor.db"))).toBe(false);
    const second = await startServe({ ...home.env, MOOR_STORE_URL: store }, [], home.project);
    try {
      const messages = (await (await fetch(`${second.url}/session/${sessionID}/message`)).json()) as {
        info: { role: string };
        parts: { type: string; text?: string }[];
      }[];
      expect(messages.map((m) => m.info.role)).toEqual(["user", "assistant"]);
      expect(messages[1].parts.find((part) => part.type === "text")?.text).toBe("stored in postgres");
    } finally {
      await second.stop();
    }
    // The one-shot commands read the same store (MOOR_STORE_URL).
    const listed = await runMoor(["session", "list", "--all", "--format", "json"], {
      env: { ...home.env, MOOR_STORE_URL: store },
      cwd: home.project,
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as { id: string; status: string }[]).map((s) => [s.id, s.status])).toEqual([
      [sessionID, "idle"],
    ]);
  });

  it("a turn cut off by kill -9 is marked interrupted by the next start on the same database", async () => {
    const home = makeTempHome(llm.url, { store: await freshStore() });
    llm.respond(() => ({ text: "a long answer that is still streaming ".repeat(40), delayMs: 20 }));
    const first = await startServe(home.env, [], home.project);
    const sessionID = await newSession(first.url);
    const stream = watchSse(`${first.url}/event`, {
      until: (items) => items.some((item) => item.event.type === "message.part.delta"),
      timeoutMs: 10_000,
    });
    await stream.connected;
    await fetch(`${first.url}/session/${sessionID}/prompt_async`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "talk" }] }),
    });
    await stream.done;
    await first.stop("SIGKILL");
    const second = await startServe(home.env, [], home.project);
    try {
      const messages = (await (await fetch(`${second.url}/session/${sessionID}/message`)).json()) as {
        info: { role: string; error?: { name: string } };
      }[];
      expect(messages.at(-1)?.info.error?.name).toBe("InterruptedError");
    } finally {
      await second.stop();
    }
  });

  it("export and import move a session from SQLite to PostgreSQL and back, unchanged", async () => {
    const home = makeTempHome(llm.url);
    llm.respond(() => ({ text: "moved around" }));
    // Made on SQLite (no store configured).
    const server = await startServe(home.env, [], home.project);
    let sessionID: string;
    try {
      sessionID = await newSession(server.url);
      await fetch(`${server.url}/session/${sessionID}/message`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ parts: [{ type: "text", text: "hello" }] }),
      });
    } finally {
      await server.stop();
    }
    const fromSqlite = join(home.root, "from-sqlite.json");
    const fromPostgres = join(home.root, "from-postgres.json");
    const back = join(home.root, "back.json");
    const run = async (args: string[]) => {
      const result = await runMoor(args, { env: home.env, cwd: home.project });
      expect(result.code, result.stderr).toBe(0);
      return result;
    };
    await run(["export", sessionID, "-o", fromSqlite]);
    const store = await freshStore();
    expect((await run(["import", "--store", store, fromSqlite])).stdout).toContain(`Imported session ${sessionID}`);
    await run(["export", sessionID, "--store", store, "-o", fromPostgres]);
    expect(JSON.parse(readFileSync(fromPostgres, "utf8"))).toEqual(JSON.parse(readFileSync(fromSqlite, "utf8")));
    // And back into an empty SQLite file.
    rmSync(home.env.MOOR_DATA_DIR, { recursive: true, force: true });
    await run(["import", fromPostgres]);
    await run(["export", sessionID, "-o", back]);
    expect(JSON.parse(readFileSync(back, "utf8"))).toEqual(JSON.parse(readFileSync(fromSqlite, "utf8")));
  });

  it("refuses a store it cannot use in one line, without a stack trace", async () => {
    const home = makeTempHome(llm.url);
    const notPostgres = await runMoor(["serve", "--port", "0", "--store", "mysql://db/moor"], {
      env: home.env,
      cwd: home.project,
    });
    expect(notPostgres.code).not.toBe(0);
    expect(notPostgres.stderr.trim()).toMatch(/^moor: unsupported store mysql:\/\/db\/moor/);
    expect(notPostgres.stderr.trim().split("\n")).toHaveLength(1);
    const missing = join(home.root, "no-such-socket-dir");
    const unreachable = await runMoor(
      ["export", "ses_x", "--store", `postgres://someone:secret@/moor?host=${encodeURIComponent(missing)}`],
      { env: home.env, cwd: home.project },
    );
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr.trim()).toMatch(/^moor: cannot open the store /);
    expect(unreachable.stderr).not.toContain("secret");
    expect(unreachable.stderr.trim().split("\n")).toHaveLength(1);
  });
});
