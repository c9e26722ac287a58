import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, mockToolConvention, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, type SseItem, startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

const json = { "content-type": "application/json" };
const KILLS = 20;

// A deterministic spread of kill points (ms after the prompt), covering tool calls, streaming and step ends.
const killPoints = Array.from({ length: KILLS }, (_, i) => 20 + ((i * 37) % 260));

describe("kill -9 during streaming tool-using turns", () => {
  it(`loses no completed part over ${KILLS} kills, keeps the database intact, and resumes every interrupted turn`, async () => {
    // Snapshots off: each tool step would first run git (core/snapshots), moving the tool calls past most of the
    // kill points below; what this test checks is the store's durability, not the snapshots' cost (npm run bench).
    const home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" }, snapshot: false });
    // Every turn: a write, a bash, then a slowly streamed answer.
    llm.respond((request) => {
      const sinceUser = request.messages.slice(request.messages.findLastIndex((m) => m.role === "user"));
      const stepTools = sinceUser.filter((message) => message.role === "tool").length;
      if (stepTools === 0)
        return {
          toolCalls: [{ name: "write", args: { filePath: `f${request.messages.length}.txt`, content: "data\n" } }],
        };
      if (stepTools === 1) return { toolCalls: [{ name: "bash", args: { command: "echo ran" } }] };
      return mockToolConvention(request, { text: "final words of this turn ".repeat(8), delayMs: 4 });
    });
    let server: ServeHandle = await startServe(home.env, [], home.project);
    const sessionID = (
      (await (await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" })).json()) as {
        id: string;
      }
    ).id;
    const completedBeforeKill = new Map<string, string>();

    for (const [round, delay] of killPoints.entries()) {
      const events: SseItem[] = [];
      const stream = watchSse(`${server.url}/event`, {
        until: (items) => {
          events.splice(0, events.length, ...items);
          return false;
        },
        timeoutMs: 60_000,
      });
      const reading = stream.done.catch(() => events);
      await stream.connected;
      await fetch(`${server.url}/session/${sessionID}/prompt_async`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ parts: [{ type: "text", text: `round ${round}` }] }),
      });
      await new Promise((resolve) => setTimeout(resolve, delay));
      // Parts announced as final before the kill must survive it (they were written before being announced).
      for (const item of events) {
        if (item.event.type !== "message.part.updated") continue;
        const part = item.event.properties.part as { id: string; type: string; state?: { status: string } };
        if (part.type === "tool" && part.state?.status === "completed") completedBeforeKill.set(part.id, "completed");
      }
      await server.stop("SIGKILL");
      await reading;
      server = await startServe(home.env, [], home.project);
      const history = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as MessageWithParts[];
      const stored = new Map(history.flatMap((m) => m.parts).map((part) => [part.id, part]));
      for (const [id, status] of completedBeforeKill) {
        const part = stored.get(id);
        expect(part?.type === "tool" && part.state.status, `part ${id} after kill ${round}`).toBe(status);
      }
      const last = history.at(-1)!;
      if (last.info.role === "assistant" && last.info.error?.name === "InterruptedError") {
        await fetch(`${server.url}/session/${sessionID}/resume`, { method: "POST" });
        const deadline = Date.now() + 10_000;
        for (;;) {
          const statuses = (await (await fetch(`${server.url}/session/status`)).json()) as Record<string, unknown>;
          if (!statuses[sessionID]) break;
          if (Date.now() > deadline) throw new Error(`resume did not finish after kill ${round}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        const resumed = (await (
          await fetch(`${server.url}/session/${sessionID}/message`)
        ).json()) as MessageWithParts[];
        const end = resumed.at(-1)!;
        expect(end.info.role === "assistant" && end.info.error, `resume after kill ${round}`).toBeUndefined();
        expect(end.info.role === "assistant" && end.info.finish).toBe("stop");
      }
    }
    await server.stop("SIGTERM");
    const db = new Database(join(home.env.MOOR_DATA_DIR, "moor.db"), { readonly: true });
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const running = db.prepare("SELECT count(*) AS n FROM message WHERE running = 1").get() as { n: number };
    expect(running.n).toBe(0);
    db.close();
    expect(completedBeforeKill.size).toBeGreaterThan(5);
  }, 180_000);
});
