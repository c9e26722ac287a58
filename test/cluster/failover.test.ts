// Cluster mode end to end (issue 20 §2, Acceptance): two API nodes and two workers on a real PostgreSQL, the fake
// model streaming slowly so a turn is mid-way when a worker is killed or paused. What a client sees is checked on
// the wire (SSE frames with their ids, GET /session/:id/message); who runs the turn is read from the lease table.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import {
  busEvents,
  type Cluster,
  type EventStream,
  logId,
  openEventStream,
  otherDirectory,
  startCluster,
  type WorkerProcess,
} from "../fakes/cluster.js";
import type { ServeHandle, SseItem } from "../fakes/serve.js";

let cluster: Cluster;
let a: ServeHandle;
let b: ServeHandle;
const streams: EventStream[] = [];

beforeAll(async () => {
  cluster = await startCluster({ apiNodes: 2, workers: 2, leaseMs: 1500 });
  [a, b] = cluster.apis;
}, 60_000);

afterAll(async () => {
  for (const stream of streams) stream.close();
  await cluster?.stop();
});

const json = { "content-type": "application/json" };

async function createSession(node: ServeHandle, directory = cluster.project): Promise<string> {
  const response = await fetch(`${node.url}/session?directory=${encodeURIComponent(directory)}`, {
    method: "POST",
    headers: json,
    body: "{}",
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { id: string }).id;
}

/** A sync prompt (POST /session/:id/message, or prompt_async); awaited later, so a test failing first leaves no
 * unhandled rejection behind when the cluster is stopped. */
function prompt(node: ServeHandle, sessionID: string, text: string, route = "message"): Promise<Response> {
  const answer = fetch(`${node.url}/session/${sessionID}/${route}`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text }] }),
  });
  answer.catch(() => {});
  return answer;
}

async function messages(node: ServeHandle, sessionID: string): Promise<MessageWithParts[]> {
  const response = await fetch(`${node.url}/session/${sessionID}/message`);
  expect(response.status).toBe(200);
  return (await response.json()) as MessageWithParts[];
}

async function events(node: ServeHandle, headers: Record<string, string> = {}): Promise<EventStream> {
  const stream = await openEventStream(`${node.url}/event?directory=${encodeURIComponent(cluster.project)}`, headers);
  streams.push(stream);
  return stream;
}

const ofSession = (items: SseItem[], sessionID: string) =>
  busEvents(items).filter((item) => item.event.properties.sessionID === sessionID);
const deltas = (items: SseItem[], sessionID: string) =>
  ofSession(items, sessionID).filter((item) => item.event.type === "message.part.delta");
const idled = (sessionID: string) => (items: SseItem[]) =>
  ofSession(items, sessionID).some((item) => item.event.type === "session.idle");

/** Polls until `check` answers something truthy (or fails at the deadline, saying what it waited for). */
async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Text the model streams one numbered word at a time, so a test can tell whose words landed where. */
const words = (tag: string, count: number) => Array.from({ length: count }, (_, n) => `${tag}${n}`).join(" ");

/** The workers still running (a test may have killed one); starts another until there are two. */
async function twoLiveWorkers(): Promise<WorkerProcess[]> {
  const running = () => cluster.workers.filter((worker) => worker.child.exitCode === null && !worker.child.signalCode);
  while (running().length < 2) await cluster.startWorker(`w${cluster.workers.length + 1}`);
  return running();
}

/** Every text part of the session's stored replies: the joined deltas of the stream must equal each one's text. */
function expectDeltasMatchStoredText(items: SseItem[], sessionID: string, stored: MessageWithParts[]): void {
  const streamed = new Map<string, string>();
  for (const item of deltas(items, sessionID)) {
    const { partID, delta } = item.event.properties as { partID: string; delta: string };
    streamed.set(partID, (streamed.get(partID) ?? "") + delta);
  }
  const texts = new Map<string, string>();
  for (const message of stored.filter((message) => message.info.role === "assistant")) {
    for (const part of message.parts) if (part.type === "text") texts.set(part.id, part.text);
  }
  expect(streamed.size).toBeGreaterThan(0);
  for (const [partID, text] of streamed) expect({ partID, text: texts.get(partID) }).toEqual({ partID, text });
  for (const [partID, text] of texts) {
    if (text !== "") expect({ partID, text: streamed.get(partID) }).toEqual({ partID, text });
  }
}

function expectIdsStrictlyIncreasing(items: SseItem[]): void {
  const ids = busEvents(items).map(logId);
  expect(ids.every((id) => Number.isInteger(id) && id > 0)).toBe(true);
  const out = ids.filter((id, index) => index > 0 && id <= ids[index - 1]);
  expect(out).toEqual([]);
}

describe("a cluster of two API nodes and two workers on PostgreSQL", () => {
  it("runs a prompt made on API node A on a worker; A's stream carries the turn; the sync prompt answers with the reply", async () => {
    const sessionID = await createSession(a);
    const stream = await events(a);
    cluster.llm.script({ text: words("w", 30), delayMs: 40 });
    const answering = prompt(a, sessionID, "hello");
    await stream.waitFor((items) => deltas(items, sessionID).length >= 3, "the first deltas on A");
    // Mid-turn: a worker holds the session, under its first epoch; no API node does.
    const lease = await cluster.lease(sessionID);
    expect(lease?.live).toBe(true);
    expect(lease?.epoch).toBe(1);
    expect(cluster.workers.map((worker) => worker.pid)).toContain(lease?.pid);
    expect(cluster.apis.map((api) => api.child.pid)).not.toContain(lease?.pid);

    const answer = await answering;
    expect(answer.status).toBe(200);
    const reply = (await answer.json()) as MessageWithParts;
    expect(reply.info.role).toBe("assistant");
    expect(reply.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual([words("w", 30)]);

    const items = await stream.waitFor(idled(sessionID), "session.idle on A");
    expectIdsStrictlyIncreasing(items);
    expectDeltasMatchStoredText(items, sessionID, await messages(a, sessionID));
    const updates = ofSession(items, sessionID).filter((item) => item.event.type === "message.updated");
    expect(updates.map((item) => (item.event.properties.info as { id: string }).id)).toContain(reply.info.id);
    // Idle again: the worker gave the session up, so whichever worker is free takes its next prompt.
    await until(async () => !(await cluster.lease(sessionID))?.live, "the lease released after the turn");
  });

  it("a worker killed with -9 mid-turn: the other takes over and resumes; A's client sees every event once, in order, its deltas equal to the stored text; a client moving to B with Last-Event-ID gets exactly the rest", async () => {
    const workers = await twoLiveWorkers();
    const sessionID = await createSession(a);
    const onA = await events(a);
    const leaving = await events(a);
    cluster.llm.script({ text: words("old", 80), delayMs: 40 }, { text: words("new", 12), delayMs: 20 });
    const answering = prompt(a, sessionID, "go");
    await onA.waitFor((items) => deltas(items, sessionID).length >= 6, "the first deltas on A");
    // The second client reads part of the turn from A, then goes away.
    const partial = await leaving.waitFor((items) => deltas(items, sessionID).length >= 6, "deltas on the leaver");
    leaving.close();
    const lastSeen = busEvents(partial).at(-1)?.id as string;

    const before = await cluster.lease(sessionID);
    const owner = workers.find((worker) => worker.pid === before?.pid) as WorkerProcess;
    expect(owner).toBeDefined();
    expect(before?.epoch).toBe(1);
    const killedAt = Date.now();
    await owner.signal("SIGKILL");
    const after = await until(async () => {
      const lease = await cluster.lease(sessionID);
      return lease?.live && lease.epoch === 2 && lease;
    }, "the other worker's takeover at epoch 2");
    // About one lease time: the lease lapses within 1.5 s of the last renewal and the other worker scans every
    // 0.5 s; the margin is for a machine shared with other test runs.
    expect(Date.now() - killedAt).toBeLessThan(cluster.leaseMs + 3000);
    expect(after.workerId).not.toBe(owner.id);
    expect(workers.map((worker) => worker.pid)).toContain(after.pid);

    // The sync prompt, sent before the kill, is answered by the resumed turn.
    const answer = await answering;
    expect(answer.status).toBe(200);
    const reply = (await answer.json()) as MessageWithParts;
    expect(reply.info.role).toBe("assistant");
    expect(reply.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual([words("new", 12)]);

    const items = await onA.waitFor(idled(sessionID), "session.idle on A");
    expectIdsStrictlyIncreasing(items);
    const ids = busEvents(items).map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
    const stored = await messages(a, sessionID);
    expect(stored.map((message) => message.info.role)).toEqual(["user", "assistant", "assistant"]);
    // The cut-off step was marked interrupted (announced; the resume then carries the same message on).
    const cut = stored[1];
    const marks = ofSession(items, sessionID).filter(
      (item) =>
        item.event.type === "message.updated" &&
        (item.event.properties.info as { id: string; error?: { name: string } }).id === cut.info.id &&
        (item.event.properties.info as { error?: { name: string } }).error?.name === "InterruptedError",
    );
    expect(marks).toHaveLength(1);
    const cutText = cut.parts.filter((part) => part.type === "text").map((part) => part.text);
    expect(cutText).toHaveLength(1);
    expect(words("old", 80).startsWith(cutText[0])).toBe(true);
    expect(cutText[0].length).toBeGreaterThan(0);
    expect(stored[2].info.id).toBe(reply.info.id);
    expectDeltasMatchStoredText(items, sessionID, stored);
    const errors = ofSession(items, sessionID).filter((item) => item.event.type === "session.error");
    expect(errors.map((item) => (item.event.properties.error as { kind?: string }).kind)).toEqual(["interrupted"]);

    // Reconnecting to B with the last id the second client saw: exactly what A's client saw after it.
    const onB = await events(b, { "last-event-id": lastSeen });
    const lastOnA = busEvents(items).at(-1)?.id as string;
    const rest = await onB.waitFor(
      (frames) => frames.some((frame) => frame.id === lastOnA),
      `B's replay up to ${lastOnA}`,
    );
    onB.close();
    const upTo = (frames: SseItem[]) =>
      busEvents(frames).filter((frame) => logId(frame) <= logId({ id: lastOnA } as SseItem));
    const missed = busEvents(items).filter((frame) => logId(frame) > logId({ id: lastSeen } as SseItem));
    expect(missed.length).toBeGreaterThan(10);
    expect(upTo(rest)).toEqual(missed);
    expect(rest.some((frame) => frame.event.type === "server.resync")).toBe(false);
  });

  // A paused owner must not answer for the turn after it lost it: the inbox result is fenced too (once found as a
  // 409 from the woken owner, before the resumed turn's reply).
  it("a SIGSTOPped owner is taken over at epoch 2; woken with SIGCONT it writes nothing more and stops its turn", async () => {
    const workers = await twoLiveWorkers();
    const sessionID = await createSession(a);
    const onA = await events(a);
    const requestsBefore = cluster.llm.requests.length;
    cluster.llm.script({ text: words("old", 150), delayMs: 30 }, { text: words("new", 10), delayMs: 20 });
    const answering = prompt(a, sessionID, "go on");
    await onA.waitFor((items) => deltas(items, sessionID).length >= 6, "the first deltas on A");
    const before = await cluster.lease(sessionID);
    const owner = workers.find((worker) => worker.pid === before?.pid) as WorkerProcess;
    expect(owner).toBeDefined();
    await owner.signal("SIGSTOP");
    try {
      const after = await until(async () => {
        const lease = await cluster.lease(sessionID);
        return lease?.live && lease.epoch === 2 && lease;
      }, "the other worker's takeover at epoch 2").catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await cluster.diagnose()}`);
      });
      expect(after.workerId).not.toBe(owner.id);

      // The new owner marked the cut-off step interrupted: from here on the old owner may write nothing.
      const marked = await onA.waitFor(
        (items) =>
          ofSession(items, sessionID).some(
            (item) =>
              item.event.type === "message.updated" &&
              (item.event.properties.info as { error?: { name: string } }).error?.name === "InterruptedError",
          ),
        "the interrupted mark on A",
      );
      const mark = ofSession(marked, sessionID).find(
        (item) =>
          item.event.type === "message.updated" &&
          (item.event.properties.info as { error?: { name: string } }).error?.name === "InterruptedError",
      ) as SseItem;
      const cutID = (mark.event.properties.info as { id: string }).id;
      const partsOfCut = () =>
        cluster.sql<{ id: string; data: string }>("SELECT id, data FROM part WHERE message_id = $1 ORDER BY id", [
          cutID,
        ]);
      const atTakeover = await partsOfCut();
      expect(atTakeover.length).toBeGreaterThan(0);

      await owner.signal("SIGCONT");
      const answer = await answering;
      expect(answer.status).toBe(200);
      const reply = (await answer.json()) as MessageWithParts;
      expect(reply.parts.filter((part) => part.type === "text").map((part) => part.text)).toEqual([words("new", 10)]);
      // Awake, the old owner must notice it lost the session (its renewal, every lease/3, or its next write is
      // refused) and stop. Nothing outside it says when it has: give it a full lease time, then look for its writes.
      await new Promise((resolve) => setTimeout(resolve, cluster.leaseMs));
      await onA.waitFor(idled(sessionID), "session.idle on A");

      expect(await partsOfCut()).toEqual(atTakeover);
      const logged = await cluster.sql<{ id: string; type: string; properties: string }>(
        "SELECT id, type, properties FROM event WHERE session_id = $1 AND id > $2 ORDER BY id",
        [sessionID, logId(mark)],
      );
      const fromOldOwner = logged.filter(
        (row) =>
          /\bold\d+/.test(row.properties) ||
          (row.type.startsWith("message.part.") && atTakeover.some((part) => row.properties.includes(part.id))),
      );
      expect(fromOldOwner).toEqual([]);
      // Nor did it answer the prompt it had taken: its result is the resumed turn's, written by the new owner.
      const results = await cluster.sql<{ result: string | null }>(
        "SELECT result FROM session_inbox WHERE session_id = $1 ORDER BY id",
        [sessionID],
      );
      expect(results.map((row) => (JSON.parse(row.result ?? "null") as { ok?: boolean } | null)?.ok)).toEqual([true]);
      // It asked the model for nothing more: the two requests are its cut-off step and the new owner's resume.
      expect(cluster.llm.requests.length - requestsBefore).toBe(2);
    } finally {
      owner.child.kill("SIGCONT");
    }
  });

  it("an abort sent to API node B stops the turn running on the worker; the stored reply says it was aborted", async () => {
    await twoLiveWorkers();
    const sessionID = await createSession(a);
    const onA = await events(a);
    cluster.llm.script({ text: words("long", 200), delayMs: 30 });
    const queued = await prompt(a, sessionID, "talk", "prompt_async");
    expect(queued.status).toBeLessThan(300);
    await onA.waitFor((items) => deltas(items, sessionID).length >= 4, "the first deltas on A");
    const aborted = await fetch(`${b.url}/session/${sessionID}/abort`, { method: "POST", headers: json, body: "{}" });
    expect(aborted.status).toBe(200);
    expect(await aborted.json()).toBe(true);
    const items = await onA.waitFor(idled(sessionID), "session.idle on A");
    const stored = await messages(b, sessionID);
    expect(stored.map((message) => message.info.role)).toEqual(["user", "assistant"]);
    expect((stored[1].info as { error?: { name: string } }).error?.name).toBe("MessageAbortedError");
    const text = stored[1].parts.filter((part) => part.type === "text").map((part) => part.text)[0] ?? "";
    // Cut short: well before the model's 200 words.
    expect(text.split(" ").length).toBeLessThan(150);
    expectDeltasMatchStoredText(items, sessionID, stored);
    await until(async () => !(await cluster.lease(sessionID))?.live, "the lease released after the abort");
  });

  it("refuses a prompt for a directory no live worker serves with 503 no_worker, and queues nothing", async () => {
    const expectNoWorker = async (answer: Response) => {
      expect(answer.status).toBe(503);
      const body = (await answer.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("no_worker");
      expect(body.error.message).toEqual(expect.any(String));
    };
    const nobodys = otherDirectory(cluster, "unserved");
    const sessionID = await createSession(a, nobodys);
    await expectNoWorker(await prompt(a, sessionID, "hi"));
    await expectNoWorker(await prompt(b, sessionID, "hi", "prompt_async"));
    expect(await messages(a, sessionID)).toEqual([]);
    expect(await cluster.sql("SELECT id FROM session_inbox WHERE session_id = $1", [sessionID])).toEqual([]);

    // A directory whose only worker died: refused once its heartbeat is older than the two lease times an API node
    // counts a worker live for.
    const orphaned = otherDirectory(cluster, "orphaned");
    const gone = await cluster.startWorker("gone", [orphaned]);
    const orphanSession = await createSession(a, orphaned);
    await gone.signal("SIGKILL");
    await until(async () => {
      const [row] = await cluster.sql<{ stale: boolean }>(
        "SELECT heartbeat < now() - $2 * interval '1 millisecond' AS stale FROM worker WHERE id = $1",
        ["gone", 2 * cluster.leaseMs + 250],
      );
      return row?.stale;
    }, "the dead worker's heartbeat to go stale");
    await expectNoWorker(await prompt(a, orphanSession, "hi"));
    expect(await messages(b, orphanSession)).toEqual([]);
  });
});
