// A permission question belongs to a live turn: it is closed (and announced) when the server asking it stops, and a
// server started after one that died closes the questions nobody waits for; resuming the turn asks again.
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PermissionRequest } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
let server: ServeHandle | undefined;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const json = { "content-type": "application/json" };

async function askingServer(home: TempHome): Promise<{ sessionID: string; question: PermissionRequest }> {
  server = await startServe(home.env, [], home.project);
  llm.respond((request) =>
    request.messages.at(-1)?.role === "tool"
      ? { text: "done" }
      : { toolCalls: [{ name: "bash", args: { command: "echo asked" } }] },
  );
  const session = (await (
    await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" })
  ).json()) as {
    id: string;
  };
  await fetch(`${server.url}/session/${session.id}/prompt_async`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text: "run it" }] }),
  });
  const question = await pendingQuestion(server.url);
  return { sessionID: session.id, question };
}

async function pendingQuestion(url: string): Promise<PermissionRequest> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const [question] = (await (await fetch(`${url}/permission`)).json()) as PermissionRequest[];
    if (question) return question;
    if (Date.now() > deadline) throw new Error("no question was asked");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function statusOf(home: TempHome, id: string): string {
  const db = new Database(join(home.env.MOOR_DATA_DIR, "moor.db"), { readonly: true });
  try {
    return (db.prepare("SELECT status FROM permission WHERE id = ?").get(id) as { status: string }).status;
  } finally {
    db.close();
  }
}

describe("permission questions and the process that asks them", () => {
  it("a server stopped by SIGTERM closes the questions its turns wait for and tells its clients", async () => {
    const home = makeTempHome(llm.url, { permission: { bash: "ask" } });
    const { question } = await askingServer(home);
    const url = server!.url;
    const events = watchSse(`${url}/event`, {
      until: (items) => items.some((item) => item.event.type === "permission.replied"),
      timeoutMs: 8000,
    });
    await events.connected;
    await server!.stop("SIGTERM");
    server = undefined;
    const replied = (await events.done).find((item) => item.event.type === "permission.replied")!;
    expect(replied.event.properties).toMatchObject({ requestID: question.id, reply: "reject" });
    expect(statusOf(home, question.id)).toBe("expired");
  });

  it("a server started after one killed with kill -9 closes its question, and a resume asks again", async () => {
    const home = makeTempHome(llm.url, { permission: { bash: "ask" } });
    const { sessionID, question } = await askingServer(home);
    await server!.stop("SIGKILL");
    expect(statusOf(home, question.id)).toBe("pending");

    server = await startServe(home.env, [], home.project);
    expect(await (await fetch(`${server.url}/permission`)).json()).toEqual([]);
    expect(statusOf(home, question.id)).toBe("expired");

    await fetch(`${server.url}/session/${sessionID}/resume`, { method: "POST" });
    const again = await pendingQuestion(server.url);
    expect(again.id).not.toBe(question.id);
    expect(again.tool?.callID).toBe(question.tool?.callID);
    await fetch(`${server.url}/permission/${again.id}/reply`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ reply: "once" }),
    });
  });
});
