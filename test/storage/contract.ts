// The store contract: what every implementation of the storage port (src/storage/port.ts) must do. The SQLite store
// runs it (sqlite-store.test.ts); the PostgreSQL store of cluster mode runs it too. A store is opened empty for each
// test and closed after it.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AssistantMessage, MessageInfo, Part, PermissionRequest, Session } from "../../src/protocol/index.js";
import { type CommittedEvent, type EventScope, IdConflictError, type Store } from "../../src/storage/port.js";

export interface OpenedStore {
  store: Store;
  /** Closes the store and removes what it stored. */
  dispose(): Promise<void>;
}

const DIR = "/tmp/project";

export function session(id: string, updated = 1, extra: Partial<Session> = {}): Session {
  return {
    id,
    slug: id,
    projectID: "global",
    directory: DIR,
    title: id,
    version: "test",
    time: { created: 1, updated },
    ...extra,
  };
}

export const user = (id: string, sessionID = "ses_1"): MessageInfo => ({
  id,
  sessionID,
  role: "user",
  time: { created: 1 },
});

export function assistant(id: string, parentID: string, sessionID = "ses_1", extra: Partial<AssistantMessage> = {}) {
  const info: AssistantMessage = {
    id,
    sessionID,
    role: "assistant",
    time: { created: 1 },
    parentID,
    modelID: "m",
    providerID: "p",
    mode: "build",
    agent: "build",
    path: { cwd: DIR, root: DIR },
    cost: 0,
    tokens: { total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    ...extra,
  };
  return info;
}

export const text = (id: string, messageID: string, value: string, sessionID = "ses_1"): Part => ({
  id,
  sessionID,
  messageID,
  type: "text",
  text: value,
});

function question(id: string, callID: string, sessionID = "ses_1"): PermissionRequest {
  return {
    id,
    sessionID,
    permission: "bash",
    patterns: ["ls"],
    metadata: {},
    always: ["ls *"],
    tool: { messageID: "msg_a", callID },
  };
}

const scope: EventScope = { directory: DIR, sessionID: "ses_1" };

export function storeContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    const write = (build: Parameters<Store["commit"]>[1]) => store.commit(scope, build);
    /** The session's history as `id:part texts`, easy to compare. */
    const outline = async (sessionID = "ses_1") =>
      (await store.listMessages(sessionID)).map(
        ({ info, parts }) =>
          `${info.id}:${parts.map((part) => (part.type === "text" ? part.text : part.type)).join(",")}`,
      );

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
      await write((tx) => tx.putSession(session("ses_1")));
    });
    afterEach(() => opened.dispose());

    describe("commit", () => {
      it("writes all rows, then hands its events to the listeners in order, with its scope; a read there sees the rows", async () => {
        const seen: { scope: EventScope; events: readonly CommittedEvent[]; stored: string[] }[] = [];
        const reads: Promise<void>[] = [];
        store.onCommit((where, events) => {
          const entry = { scope: where, events, stored: [] as string[] };
          seen.push(entry);
          reads.push(outline().then((rows) => void entry.stored.push(...rows)));
        });
        const result = await write((tx) => {
          tx.putMessage(user("msg_a"));
          tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_a") });
          tx.putPart(text("prt_1", "msg_a", "hello"));
          tx.emit("message.part.updated", { sessionID: "ses_1", part: text("prt_1", "msg_a", "hello") });
          return 42;
        });
        await Promise.all(reads);
        expect(result).toBe(42);
        expect(seen).toHaveLength(1);
        expect(seen[0].scope).toEqual(scope);
        expect(seen[0].events.map((event) => event.type)).toEqual(["message.updated", "message.part.updated"]);
        expect(seen[0].stored).toEqual(["msg_a:hello"]);
      });

      it("a refused write rolls the whole commit back, and its events are never announced", async () => {
        await write((tx) => tx.putSession(session("ses_2")));
        const announced: string[] = [];
        store.onCommit((_, events) => announced.push(...events.map((event) => event.type)));
        await expect(
          write((tx) => {
            tx.putMessage(user("msg_a"));
            tx.emit("message.updated", { sessionID: "ses_1", info: user("msg_a") });
            tx.putMessage(user("msg_a", "ses_2"));
          }),
        ).rejects.toBeInstanceOf(IdConflictError);
        expect(await store.messageOwner("msg_a")).toBeUndefined();
        expect(announced).toEqual([]);
      });

      it("applies commits in the order they were called, without waiting for each", async () => {
        const order: string[] = [];
        store.onCommit((_, events) => {
          for (const event of events) {
            if (event.type === "message.part.updated")
              order.push((event as CommittedEvent<"message.part.updated">).properties.part.id);
          }
        });
        await write((tx) => tx.putMessage(user("msg_a")));
        const commits = ["prt_1", "prt_2", "prt_3"].map((id, index) =>
          write((tx) => {
            const part = text("prt_1", "msg_a", `v${index}`);
            tx.putPart(part);
            tx.emit("message.part.updated", { sessionID: "ses_1", part: { ...part, id } });
          }),
        );
        await Promise.all(commits);
        expect(order).toEqual(["prt_1", "prt_2", "prt_3"]);
        expect(await outline()).toEqual(["msg_a:v2"]);
      });

      it("readAt gives the position that matches its read, while commits are in flight", async () => {
        let announced = 0;
        store.onCommit(() => announced++);
        const reads: Promise<{ value: unknown[]; position: number }>[] = [];
        const commits: Promise<unknown>[] = [];
        for (let n = 1; n <= 4; n++) {
          commits.push(write((tx) => tx.putMessage(user(`msg_${n}`))));
          reads.push(
            store.readAt(
              () => store.listMessages("ses_1"),
              () => announced,
            ),
          );
        }
        await Promise.all(commits);
        for (const { value, position } of await Promise.all(reads)) expect(value).toHaveLength(position);
      });

      it("stops calling a listener once it unsubscribed", async () => {
        let calls = 0;
        const stop = store.onCommit(() => calls++);
        await write((tx) => tx.putMessage(user("msg_a")));
        stop();
        await write((tx) => tx.putMessage(user("msg_b")));
        expect(calls).toBe(1);
      });
    });

    describe("sessions", () => {
      it("stores, updates, lists children and deletes with everything that belongs to it", async () => {
        expect(await store.getSession("ses_1")).toEqual(session("ses_1"));
        expect(await store.getSession("ses_none")).toBeUndefined();
        await write((tx) => {
          tx.putSession({ ...session("ses_1", 5), title: "renamed" });
          tx.putSession(session("ses_c", 2, { parentID: "ses_1" }));
          tx.putMessage(user("msg_a"));
          tx.putPart(text("prt_1", "msg_a", "x"));
          tx.setTodos("ses_1", [{ content: "a", status: "pending", priority: "low" }]);
          tx.insertPermission(question("per_1", "call_1"));
          tx.addGrant("ses_1", "bash", "ls *");
        });
        expect((await store.getSession("ses_1"))?.title).toBe("renamed");
        expect((await store.listChildren("ses_1")).map((child) => child.id)).toEqual(["ses_c"]);
        await write((tx) => tx.deleteSession("ses_1"));
        expect(await store.getSession("ses_1")).toBeUndefined();
        expect(await store.listMessages("ses_1")).toEqual([]);
        expect(await store.partOwner("prt_1")).toBeUndefined();
        expect(await store.getTodos("ses_1")).toEqual([]);
        expect(await store.getPermission("per_1")).toBeUndefined();
        expect(await store.listGrants("ses_1")).toEqual([]);
      });

      it("lists most recently updated first, filtered by directory and roots, a page at a time by cursor", async () => {
        await write((tx) => {
          for (let n = 2; n <= 9; n++) tx.putSession(session(`ses_${n}`, n % 3));
          tx.putSession(session("ses_x", 7, { directory: "/elsewhere" }));
          tx.putSession(session("ses_kid", 8, { parentID: "ses_2" }));
        });
        const all = (await store.listSessions()).sessions.map((s) => s.id);
        expect(all[0]).toBe("ses_kid");
        expect(all).toHaveLength(11);
        const expected = (await store.listSessions({ directory: DIR })).sessions;
        // Ties on the update time are ordered by id, so pages never repeat or skip a session.
        for (let i = 1; i < expected.length; i++) {
          const [a, b] = [expected[i - 1], expected[i]];
          expect(a.time.updated > b.time.updated || (a.time.updated === b.time.updated && a.id > b.id)).toBe(true);
        }
        const paged: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listSessions({ directory: DIR, limit: 3, cursor });
          expect(page.sessions.length).toBeLessThanOrEqual(3);
          paged.push(...page.sessions.map((s) => s.id));
          cursor = page.cursor;
          pages++;
        } while (cursor && pages < 10);
        expect(paged).toEqual(expected.map((s) => s.id));
        expect(pages).toBe(Math.ceil(expected.length / 3));
        const roots = (await store.listSessions({ roots: true })).sessions.map((s) => s.id);
        expect(roots).not.toContain("ses_kid");
        expect(roots).toContain("ses_x");
        expect((await store.listSessions({ directory: "/elsewhere" })).sessions.map((s) => s.id)).toEqual(["ses_x"]);
      });

      it("searches titles for every word, case ignored, newest first and a page at a time; a blank search lists everything", async () => {
        await write((tx) => {
          tx.putSession(session("ses_a", 1, { title: "Fix the Login bug" }));
          tx.putSession(session("ses_b", 2, { title: "Write docs" }));
          tx.putSession(session("ses_c", 3, { title: "login page: ÉTÉ colours" }));
          tx.putSession(session("ses_d", 4, { title: "Refactor LOGIN" }));
        });
        const ids = async (query: { search?: string; limit?: number; cursor?: string }) =>
          (await store.listSessions(query)).sessions.map((s) => s.id);
        expect(await ids({ search: "login" })).toEqual(["ses_d", "ses_c", "ses_a"]);
        expect(await ids({ search: "été" })).toEqual(["ses_c"]);
        expect(await ids({ search: "nothing like it" })).toEqual([]);
        // Every word, in any order.
        expect(await ids({ search: "BUG login" })).toEqual(["ses_a"]);
        // A search is a substring of the title, not a pattern: % and _ match themselves.
        expect(await ids({ search: "%" })).toEqual([]);
        expect(await ids({ search: "  " })).toEqual(await ids({}));
        const first = await store.listSessions({ search: "LOGIN", limit: 2 });
        expect(first.sessions.map((s) => s.id)).toEqual(["ses_d", "ses_c"]);
        expect(await ids({ search: "LOGIN", limit: 2, cursor: first.cursor })).toEqual(["ses_a"]);
        // A renamed session is found by its new title only.
        await write((tx) => tx.putSession(session("ses_b", 5, { title: "login docs" })));
        expect(await ids({ search: "write" })).toEqual([]);
        expect(await ids({ search: "login d" })).toEqual(["ses_b"]);
      });
    });

    describe("history", () => {
      it("shows every write made after it was last read: new messages, new parts, changed parts", async () => {
        await write((tx) => {
          tx.putMessage(user("msg_b"));
          tx.putPart(text("prt_1", "msg_b", "hello"));
        });
        expect(await outline()).toEqual(["msg_b:hello"]);
        await write((tx) => {
          tx.putPart(text("prt_1", "msg_b", "hello there"));
          tx.putPart(text("prt_2", "msg_b", "again"));
        });
        expect(await outline()).toEqual(["msg_b:hello there,again"]);
        // A message whose id sorts first (a client may choose ids) still comes first.
        await write((tx) => tx.putMessage(user("msg_a")));
        expect(await outline()).toEqual(["msg_a:", "msg_b:hello there,again"]);
        expect((await store.getMessage("ses_1", "msg_b"))?.parts.map((p) => p.id)).toEqual(["prt_1", "prt_2"]);
        expect((await store.listParts("msg_b")).map((p) => p.id)).toEqual(["prt_1", "prt_2"]);
        expect(await store.getMessage("ses_other", "msg_b")).toBeUndefined();
      });

      it("forgets deleted messages", async () => {
        await write((tx) => {
          tx.putMessage(user("msg_a"));
          tx.putMessage(user("msg_b"));
        });
        expect(await outline()).toHaveLength(2);
        await write((tx) => tx.deleteMessage("msg_a"));
        expect(await outline()).toEqual(["msg_b:"]);
      });

      it("hands out a copy of the list, so a caller's changes to it do not stick", async () => {
        await write((tx) => tx.putMessage(user("msg_a")));
        (await store.listMessages("ses_1")).pop();
        expect(await outline()).toEqual(["msg_a:"]);
      });

      it("gives the model's history from the latest summary on, and all of it when there is none", async () => {
        await write((tx) => {
          tx.putMessage(user("msg_1"));
          tx.putMessage(assistant("msg_2", "msg_1"));
        });
        expect((await store.history("ses_1")).map((m) => m.info.id)).toEqual(["msg_1", "msg_2"]);
        await write((tx) => {
          tx.putMessage(user("msg_3"));
          tx.putMessage(assistant("msg_4", "msg_3", "ses_1", { summary: true }));
          tx.putMessage(user("msg_5"));
          tx.putMessage(assistant("msg_6", "msg_5", "ses_1", { summary: true }));
          tx.putMessage(user("msg_7"));
        });
        expect((await store.history("ses_1")).map((m) => m.info.id)).toEqual(["msg_6", "msg_7"]);
        // Nothing is deleted: the whole history is still there for export, clients and undo.
        expect(await store.listMessages("ses_1")).toHaveLength(7);
      });

      it("lists running messages with who produces them, until they are written finished", async () => {
        await write((tx) => {
          tx.putMessage(user("msg_1"));
          tx.putMessage(assistant("msg_2", "msg_1"), true);
        });
        const running = await store.listRunningMessages();
        expect(running.map((m) => m.info.id)).toEqual(["msg_2"]);
        expect(running[0].ownerPid).toBe(process.pid);
        if (running[0].ownerToken !== null) expect(await store.isOwnerAlive(running[0].ownerToken)).toBe(true);
        await write((tx) => tx.putMessage(assistant("msg_2", "msg_1"), false));
        expect(await store.listRunningMessages()).toEqual([]);
      });
    });

    describe("ids belong to their session", () => {
      beforeEach(async () => {
        await write((tx) => {
          tx.putSession(session("ses_2"));
          tx.putMessage(user("msg_1"));
          tx.putPart(text("prt_1", "msg_1", "S1's words"));
        });
      });
      const ses1Text = async () =>
        (await store.listMessages("ses_1")).flatMap((m) => m.parts.map((p) => (p.type === "text" ? p.text : "")));

      it("refuses a message id stored in another session, and leaves that message as it was", async () => {
        await expect(write((tx) => tx.putMessage(user("msg_1", "ses_2")))).rejects.toBeInstanceOf(IdConflictError);
        expect(await store.messageOwner("msg_1")).toBe("ses_1");
        expect(await store.listMessages("ses_2")).toEqual([]);
        await write((tx) => tx.putMessage({ ...user("msg_1"), agent: "plan" }));
        const stored = (await store.getMessage("ses_1", "msg_1"))?.info;
        expect(stored?.role === "user" && stored.agent).toBe("plan");
      });

      it("refuses a part id stored elsewhere, and a part put into another session's message", async () => {
        await write((tx) => {
          tx.putMessage(user("msg_2", "ses_2"));
          tx.putMessage(user("msg_3"));
        });
        const refused = [
          text("prt_1", "msg_2", "S2's words", "ses_2"),
          text("prt_1", "msg_3", "moved"),
          text("prt_9", "msg_1", "smuggled", "ses_2"),
        ];
        for (const part of refused) {
          await expect(write((tx) => tx.putPart(part))).rejects.toBeInstanceOf(IdConflictError);
        }
        expect(await ses1Text()).toEqual(["S1's words"]);
        expect((await store.listMessages("ses_2")).flatMap((m) => m.parts)).toEqual([]);
        expect(await store.partOwner("prt_1")).toEqual({ sessionID: "ses_1", messageID: "msg_1" });
        await write((tx) => tx.putPart(text("prt_1", "msg_1", "S1's words, edited")));
        expect(await ses1Text()).toEqual(["S1's words, edited"]);
      });
    });

    describe("todos and permissions", () => {
      it("keeps the session's todo list", async () => {
        expect(await store.getTodos("ses_1")).toEqual([]);
        const todos = [{ content: "write tests", status: "in_progress" as const, priority: "high" as const }];
        await write((tx) => tx.setTodos("ses_1", todos));
        expect(await store.getTodos("ses_1")).toEqual(todos);
        await write((tx) => tx.setTodos("ses_1", []));
        expect(await store.getTodos("ses_1")).toEqual([]);
      });

      it("stores questions, answers each once, finds the live one of a call, and keeps grants", async () => {
        await write((tx) => {
          tx.insertPermission(question("per_1", "call_1"));
          tx.insertPermission(question("per_2", "call_2"));
        });
        expect((await store.listPendingPermissions()).map((q) => q.id)).toEqual(["per_1", "per_2"]);
        expect(await store.getPermission("per_1")).toEqual({ request: question("per_1", "call_1"), status: "pending" });
        await write((tx) => tx.setPermissionStatus("per_1", "once"));
        // A second answer (another client, or an expiry racing it) leaves the first.
        await write((tx) => tx.setPermissionStatus("per_1", "reject"));
        expect((await store.getPermission("per_1"))?.status).toBe("once");
        expect((await store.listPendingPermissions()).map((q) => q.id)).toEqual(["per_2"]);
        await write((tx) => tx.setPermissionStatus("per_2", "expired"));
        expect(await store.findPermissionByCall("ses_1", "call_2")).toBeUndefined();
        expect((await store.findPermissionByCall("ses_1", "call_1"))?.request.id).toBe("per_1");
        await write((tx) => {
          tx.addGrant("ses_1", "bash", "ls *");
          tx.addGrant("ses_1", "bash", "ls *");
        });
        expect(await store.listGrants("ses_1")).toEqual([{ permission: "bash", pattern: "ls *" }]);
      });
    });

    it("says its data is intact", async () => {
      expect(await store.integrityCheck()).toBe("ok");
    });
  });
}
