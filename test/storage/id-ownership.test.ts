import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { MessageInfo, Part, Session } from "../../src/protocol/index.js";
import { IdConflictError } from "../../src/storage/port.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";

function session(id: string): Session {
  return {
    id,
    slug: id,
    projectID: "global",
    directory: "/tmp/project",
    title: id,
    version: "test",
    time: { created: 1, updated: 1 },
  };
}

const user = (id: string, sessionID: string): MessageInfo => ({ id, sessionID, role: "user", time: { created: 1 } });
const text = (id: string, messageID: string, sessionID: string, value: string): Part => ({
  id,
  sessionID,
  messageID,
  type: "text",
  text: value,
});

describe("store: a row never changes session", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-ids-"));
    store = new SqliteStore(join(dir, "moor.db"));
    store.putSession(session("ses_1"));
    store.putSession(session("ses_2"));
    store.putMessage(user("msg_1", "ses_1"));
    store.putPart(text("prt_1", "msg_1", "ses_1", "S1's words"));
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  const ses1Text = () =>
    store.listMessages("ses_1").flatMap((m) => m.parts.map((p) => (p.type === "text" ? p.text : "")));

  it("refuses a message id stored in another session, and leaves that message as it was", () => {
    expect(() => store.putMessage(user("msg_1", "ses_2"))).toThrow(IdConflictError);
    expect(store.messageOwner("msg_1")).toBe("ses_1");
    expect(store.listMessages("ses_2")).toEqual([]);
    expect(store.getMessage("ses_1", "msg_1")?.info.sessionID).toBe("ses_1");
    // Its own session still updates it.
    store.putMessage({ ...user("msg_1", "ses_1"), agent: "plan" });
    expect(
      store.getMessage("ses_1", "msg_1")?.info.role === "user" && store.getMessage("ses_1", "msg_1")?.info.agent,
    ).toBe("plan");
  });

  it("refuses a part id stored in another session or message, and a part put into another session's message", () => {
    store.putMessage(user("msg_2", "ses_2"));
    store.putMessage(user("msg_3", "ses_1"));
    expect(() => store.putPart(text("prt_1", "msg_2", "ses_2", "S2's words"))).toThrow(IdConflictError);
    expect(() => store.putPart(text("prt_1", "msg_3", "ses_1", "moved"))).toThrow(IdConflictError);
    expect(() => store.putPart(text("prt_9", "msg_1", "ses_2", "smuggled"))).toThrow(IdConflictError);
    expect(ses1Text()).toEqual(["S1's words"]);
    expect(store.listMessages("ses_2").flatMap((m) => m.parts)).toEqual([]);
    expect(store.partOwner("prt_1")).toEqual({ sessionID: "ses_1", messageID: "msg_1" });
    store.putPart(text("prt_1", "msg_1", "ses_1", "S1's words, edited"));
    expect(ses1Text()).toEqual(["S1's words, edited"]);
  });

  it("a refused write inside a transaction rolls the whole transaction back", () => {
    expect(() =>
      store.transaction(() => {
        store.putMessage(user("msg_2", "ses_2"));
        store.putMessage(user("msg_1", "ses_2"));
      }),
    ).toThrow(IdConflictError);
    expect(store.messageOwner("msg_2")).toBeUndefined();
  });
});
