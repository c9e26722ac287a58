// Subagents end to end (issue 15 §2 acceptance): a real `moor serve` against the fake OpenAI-compatible server. A
// `task` call creates a child session seen over GET /session/:id/children and SSE (session.created with parentID);
// the child's permission question is answered by a client that only follows the parent (and the sessions the
// events say descend from it), over OpenCode's route with the parent's id; the parent's next request holds the
// child's text; aborting the parent aborts the child's turn and leaves no process behind.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { growFamily, permissionSessionOf } from "../../src/client/session-family.js";
import type { MoorEvent } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, type SseItem, startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.setDefault({ text: "default answer" });
  home = makeTempHome(llm.url, { permission: { bash: "allow" }, subagent: { timeout: 3000 } });
  server = await startServe(home.env, [], home.project);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await llm?.close();
});

const post = (path: string, body: unknown = {}) =>
  fetch(`${server.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
const get = async <T>(path: string) => (await (await fetch(`${server.url}${path}`)).json()) as T;

/**
 * A client that follows one session the way attach and the web page do: its family grows from session events, and
 * it answers (once, "once") every permission question of the family, over the older route naming the parent.
 */
function followParent(parentID: string, until: (items: SseItem[], family: readonly string[]) => boolean) {
  let family: readonly string[] = [parentID];
  const answered: string[] = [];
  return watchSse(`${server.url}/event`, {
    timeoutMs: 20_000,
    until: (items) => {
      const event = items.at(-1)?.event as unknown as MoorEvent;
      family = growFamily(family, event);
      if (event.type === "permission.asked" && family.includes(permissionSessionOf(event) ?? "")) {
        answered.push(event.properties.id);
        void post(`/session/${parentID}/permissions/${event.properties.id}`, { response: "once" });
      }
      return until(items, family);
    },
  });
}

const idle = (sessionID: string) => (items: SseItem[]) =>
  items.some((item) => item.event.type === "session.idle" && item.event.properties.sessionID === sessionID);

describe("the task tool through moor serve", () => {
  it("creates a child seen by the parent's client, whose question that client answers; the parent gets the text", async () => {
    const parent = (await (await post("/session")).json()) as { id: string };
    llm.script(
      {
        toolCalls: [
          { name: "task", args: { description: "Write a note", prompt: "write note.txt", subagent_type: "general" } },
        ],
      },
      { toolCalls: [{ name: "write", args: { filePath: "note.txt", content: "from the child\n" } }] },
      { text: "CHILD-RESULT: note.txt written" },
      { text: "parent done" },
    );
    const watch = followParent(parent.id, idle(parent.id));
    await watch.connected;
    expect((await post(`/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "go" }] })).status).toBe(
      204,
    );
    const items = await watch.done;
    const children = await get<{ id: string; parentID: string; title: string }[]>(`/session/${parent.id}/children`);
    expect(children).toHaveLength(1);
    const [child] = children;
    expect(child).toMatchObject({ parentID: parent.id, title: "Write a note (@general subagent)" });
    const created = items.find(
      (item) => item.event.type === "session.created" && (item.event.properties.info as { id: string }).id === child.id,
    );
    expect(created?.event.properties.info).toMatchObject({ parentID: parent.id });
    // The child's question was asked in the child session and answered by the parent's client.
    const asked = items.find((item) => item.event.type === "permission.asked");
    expect(asked?.event.properties).toMatchObject({ sessionID: child.id, permission: "edit" });
    expect(items.some((item) => item.event.type === "permission.replied")).toBe(true);
    expect(readFileSync(join(home.project, "note.txt"), "utf8")).toBe("from the child\n");
    // The parent's last request holds the child's final text.
    expect(JSON.stringify(llm.requests.at(-1)?.messages)).toContain("CHILD-RESULT: note.txt written");
    const messages = await get<{ parts: { type: string; tool?: string; state?: Record<string, unknown> }[] }[]>(
      `/session/${parent.id}/message`,
    );
    const task = messages.flatMap((message) => message.parts).find((part) => part.tool === "task");
    expect(task?.state).toMatchObject({ status: "completed", metadata: { sessionId: child.id } });
  });

  it("aborting the parent aborts the child's turn and ends the command it was running", async () => {
    const marker = `sleep 31.${process.pid}`;
    const parent = (await (await post("/session")).json()) as { id: string };
    llm.script(
      { toolCalls: [{ name: "task", args: { description: "Wait", prompt: "wait", subagent_type: "general" } }] },
      { toolCalls: [{ name: "bash", args: { command: marker, description: "wait" } }] },
    );
    let childID: string | undefined;
    const running = followParent(parent.id, (items, family) => {
      childID = family[1];
      return items.some(
        (item) =>
          item.event.type === "message.part.updated" &&
          item.event.properties.sessionID === childID &&
          (item.event.properties.part as { tool?: string; state?: { status: string } }).tool === "bash" &&
          (item.event.properties.part as { state: { status: string } }).state.status === "running",
      );
    });
    await running.connected;
    await post(`/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "go" }] });
    await running.done;
    await until(() => pgrep(marker).length > 0);
    const stopped = watchSse(`${server.url}/event`, { timeoutMs: 20_000, until: idle(parent.id) });
    await stopped.connected;
    expect(await (await post(`/session/${parent.id}/abort`)).json()).toBe(true);
    await stopped.done;
    const statuses = await get<Record<string, unknown>>("/session/status");
    expect(statuses[childID as string]).toBeUndefined();
    const childMessages = await get<{ info: { role: string; error?: { name: string } } }[]>(
      `/session/${childID}/message`,
    );
    expect(childMessages.find((message) => message.info.role === "assistant")?.info.error?.name).toBe(
      "MessageAbortedError",
    );
    expect(pgrep(marker)).toEqual([]);
    expect(existsSync(home.project)).toBe(true);
  });

  it("the configured time limit ends a child that hangs; the parent's turn goes on with the error", async () => {
    const parent = (await (await post("/session")).json()) as { id: string };
    llm.script(
      { toolCalls: [{ name: "task", args: { description: "Hang", prompt: "hang", subagent_type: "general" } }] },
      { text: "never ends", hang: true },
      { text: "parent carries on" },
    );
    const watch = watchSse(`${server.url}/event`, { timeoutMs: 20_000, until: idle(parent.id) });
    await watch.connected;
    await post(`/session/${parent.id}/prompt_async`, { parts: [{ type: "text", text: "go" }] });
    await watch.done;
    const messages = await get<{ parts: { tool?: string; state?: Record<string, unknown> }[] }[]>(
      `/session/${parent.id}/message`,
    );
    const task = messages.flatMap((message) => message.parts).find((part) => part.tool === "task");
    expect(task?.state).toMatchObject({ status: "error", error: expect.stringMatching(/ran out of time after 3 s/) });
    expect(JSON.stringify(llm.requests.at(-1)?.messages)).toContain("ran out of time");
  });

  it("OpenCode's subagent_depth from the config (rewritten while serving) applies: 0 takes the task tool away", async () => {
    const file = join(home.env.MOOR_CONFIG_DIR, "moor.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...config, subagent_depth: 0 }));
    const deadline = Date.now() + 10_000;
    while ((await get<{ subagent_depth?: number }>("/config")).subagent_depth !== 0) {
      if (Date.now() > deadline) throw new Error("the config was not reloaded");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const parent = (await (await post("/session")).json()) as { id: string };
    llm.script(
      { toolCalls: [{ name: "task", args: { description: "No", prompt: "no", subagent_type: "general" } }] },
      { text: "did it myself" },
    );
    const response = await post(`/session/${parent.id}/message`, { parts: [{ type: "text", text: "go" }] });
    expect(response.status).toBe(200);
    expect(llm.requests.at(-1)?.tools?.map((tool) => tool.function.name)).not.toContain("task");
    const messages = await get<{ parts: { tool?: string; state?: Record<string, unknown> }[] }[]>(
      `/session/${parent.id}/message`,
    );
    const task = messages.flatMap((message) => message.parts).find((part) => part.tool === "task");
    expect(task?.state).toMatchObject({ status: "error", error: expect.stringContaining("depth limit reached (0)") });
    expect(await get<unknown[]>(`/session/${parent.id}/children`)).toEqual([]);
  });
});

/** The ids of processes whose command line holds `command` (the test's own marker), this test runner's aside. */
function pgrep(command: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", command], { encoding: "utf8" })
      .trim()
      .split("\n")
      .filter((pid) => pid && Number(pid) !== process.pid);
  } catch {
    return [];
  }
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
