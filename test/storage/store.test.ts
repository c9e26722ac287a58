import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageInfo, Part, Session } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";

const session: Session = {
  id: "ses_1",
  slug: "one",
  projectID: "global",
  directory: "/tmp/project",
  title: "one",
  version: "test",
  time: { created: 1, updated: 1 },
};

function user(id: string): MessageInfo {
  return { id, sessionID: session.id, role: "user", time: { created: 1 } };
}

function text(id: string, messageID: string, value: string): Part {
  return { id, sessionID: session.id, messageID, type: "text", text: value };
}

/** What the session's history says, in a form easy to compare. */
function outline(store: SqliteStore): string[] {
  return store
    .listMessages(session.id)
    .map(
      ({ info, parts }) =>
        `${info.id}:${parts.map((part) => (part.type === "text" ? part.text : part.type)).join(",")}`,
    );
}

describe("store: session history", () => {
  let dir: string;
  let file: string;
  let store: SqliteStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-store-"));
    file = join(dir, "moor.db");
    store = new SqliteStore(file);
    store.putSession(session);
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it("shows every write made after it was last read: new messages, new parts, changed parts", () => {
    store.putMessage(user("msg_b"));
    store.putPart(text("prt_1", "msg_b", "hello"));
    expect(outline(store)).toEqual(["msg_b:hello"]);

    store.putPart(text("prt_1", "msg_b", "hello there"));
    store.putPart(text("prt_2", "msg_b", "again"));
    expect(outline(store)).toEqual(["msg_b:hello there,again"]);

    // A message whose id sorts first (a client may choose ids) still comes first.
    store.putMessage(user("msg_a"));
    expect(outline(store)).toEqual(["msg_a:", "msg_b:hello there,again"]);
  });

  it("forgets deleted messages and sessions", () => {
    store.putMessage(user("msg_a"));
    store.putMessage(user("msg_b"));
    expect(outline(store)).toHaveLength(2);
    store.deleteMessage("msg_a");
    expect(outline(store)).toEqual(["msg_b:"]);
    store.deleteSession(session.id);
    expect(store.listMessages(session.id)).toEqual([]);
  });

  it("sees what another process wrote to the same database", () => {
    store.putMessage(user("msg_a"));
    expect(outline(store)).toEqual(["msg_a:"]);
    const other = new SqliteStore(file);
    try {
      other.putPart(text("prt_1", "msg_a", "from elsewhere"));
      other.putMessage(user("msg_b"));
    } finally {
      other.closeNow();
    }
    expect(outline(store)).toEqual(["msg_a:from elsewhere", "msg_b:"]);
  });

  it("hands out a copy of the list, so a caller's changes to it do not stick", () => {
    store.putMessage(user("msg_a"));
    store.listMessages(session.id).pop();
    expect(outline(store)).toEqual(["msg_a:"]);
  });
});
