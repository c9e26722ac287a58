// importSession trusts nothing in the document that `moor export` always gets right: a refused document names what
// is wrong and leaves the store exactly as it was; a document that exports write keeps importing unchanged.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportSession, importSession, type SessionExport } from "../../src/core/transfer.js";
import type { Session } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";

const SESSION = "ses_232cb90ba000xybXrBH4Hey2bl";
const USER = "msg_232cb911f000SyQa1nlp6yXEYv";
const ASSISTANT = "msg_232cb912b000Ma3AqQgmjulLl7";
const tokens = { total: 11, input: 10, output: 1, reasoning: 0, cache: { read: 0, write: 0 } };

/** A document as `moor export` writes one (taken from a real turn, with a tool call added), about `directory`. */
function exported(directory: string): SessionExport {
  return {
    info: {
      id: SESSION,
      slug: "quiet-star",
      projectID: "global",
      directory,
      path: "",
      title: "hello there",
      version: "0.1.0",
      time: { created: 1796148531386, updated: 1796148531645 },
    },
    messages: [
      {
        info: {
          id: USER,
          sessionID: SESSION,
          role: "user",
          time: { created: 1796148531487 },
          agent: "build",
          model: { providerID: "fake", modelID: "echo" },
        },
        parts: [{ type: "text", text: "hello there", id: "prt_0_user_text", sessionID: SESSION, messageID: USER }],
      },
      {
        info: {
          id: ASSISTANT,
          sessionID: SESSION,
          role: "assistant",
          time: { created: 1796148531499, completed: 1796148531644 },
          parentID: USER,
          modelID: "echo",
          providerID: "fake",
          mode: "build",
          agent: "build",
          path: { cwd: directory, root: directory },
          cost: 0,
          tokens,
          finish: "stop",
        },
        parts: [
          { sessionID: SESSION, messageID: ASSISTANT, id: "prt_1_step_start", type: "step-start" },
          {
            id: "prt_2_tool",
            sessionID: SESSION,
            messageID: ASSISTANT,
            type: "tool",
            callID: "call_1",
            tool: "read",
            state: {
              status: "completed",
              input: { filePath: "a.txt" },
              output: "a",
              title: "a.txt",
              metadata: {},
              time: { start: 1796148531600, end: 1796148531610 },
            },
          },
          {
            id: "prt_3_text",
            sessionID: SESSION,
            messageID: ASSISTANT,
            type: "text",
            text: "ok",
            time: { start: 1796148531635, end: 1796148531643 },
          },
          {
            sessionID: SESSION,
            messageID: ASSISTANT,
            id: "prt_4_step_finish",
            type: "step-finish",
            reason: "stop",
            cost: 0,
            tokens,
          },
        ],
      },
    ],
    todos: [],
  };
}

describe("importSession: what a document may hold", () => {
  let dir: string;
  let store: SqliteStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-transfer-"));
    store = new SqliteStore(join(dir, "moor.db"));
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The document, changed by `edit` on a copy, round-tripped through JSON as a file would be. */
  function edited(edit: (document: SessionExport) => void): unknown {
    const document = structuredClone(exported(dir));
    edit(document);
    return JSON.parse(JSON.stringify(document));
  }

  async function expectRefused(document: unknown, message: RegExp): Promise<void> {
    await expect(importSession(store, document)).rejects.toMatchObject({ code: "bad_request", message });
    // Nothing of it was written: no session, no message, no part.
    expect((await store.listSessions()).sessions).toEqual([]);
    expect(await store.messageOwner(USER)).toBeUndefined();
    expect(await store.messageOwner(ASSISTANT)).toBeUndefined();
    expect(await store.partOwner("prt_3_text")).toBeUndefined();
    expect(await store.integrityCheck()).toBe("ok");
  }

  it("imports an export unchanged, and export gives back the same document", async () => {
    const document = exported(dir);
    const { session, warnings } = await importSession(store, JSON.parse(JSON.stringify(document)));
    expect(session).toEqual(document.info);
    expect(warnings).toEqual([]);
    expect(await exportSession(store, SESSION)).toEqual(document);
    expect((await store.listSessions({ directory: dir, roots: true })).sessions.map((s) => s.id)).toEqual([SESSION]);
  });

  it("refuses a directory that is not absolute and normalized, as every export's is", async () => {
    for (const directory of ["project", "./project", "", `${dir}/`, `${dir}/../x`, `${dir}/./y`]) {
      await expectRefused(
        edited((document) => {
          document.info.directory = directory;
        }),
        /^not a moor session export: info\.directory: must be an absolute path/,
      );
    }
  });

  it("refuses a negative, infinite or non-numeric time, naming where it is", async () => {
    const cases: [(document: SessionExport) => void, RegExp][] = [
      [
        (d) => {
          d.info.time.created = -1;
        },
        /: info\.time\.created: a time must be milliseconds since 1970.*not -1$/,
      ],
      [
        (d) => {
          d.info.time.updated = 9e15;
        },
        /: info\.time\.updated: a time must be/,
      ],
      [
        (d) => {
          d.messages[0].info.time.created = -5;
        },
        /: messages\.0\.info\.time\.created: a time must be/,
      ],
      [
        (d) => {
          d.messages[1].parts[2] = { ...textPart(d), time: { start: 1, end: -2 } };
        },
        /: messages\.1\.parts\.2\.time\.end: a time must be/,
      ],
      [
        (d) => {
          toolTime(d).start = -1;
        },
        /: messages\.1\.parts\.1\.state\.time\.start: a time must be/,
      ],
      [
        (d) => {
          d.info.time.created = "yesterday" as unknown as number;
        },
        /: info\.time\.created: /,
      ],
    ];
    for (const [edit, message] of cases) await expectRefused(edited(edit), message);
    // 1e999 is valid JSON and parses to Infinity.
    const infinite = JSON.stringify(exported(dir)).replace('"created":1796148531386', '"created":1e999');
    await expectRefused(JSON.parse(infinite), /^not a moor session export: info\.time\.created: /);
  });

  it("refuses a message or part id written twice, or a part filed under another message", async () => {
    await expectRefused(
      edited((d) => {
        d.messages[1].info.id = USER;
        for (const part of d.messages[1].parts) part.messageID = USER;
      }),
      /^not a moor session export: messages\.1\.info\.id: message msg_232cb911f000SyQa1nlp6yXEYv appears twice$/,
    );
    await expectRefused(
      edited((d) => {
        d.messages[1].parts[2].id = "prt_0_user_text";
      }),
      /^not a moor session export: messages\.1\.parts\.2\.id: part prt_0_user_text appears twice$/,
    );
    await expectRefused(
      edited((d) => {
        d.messages[1].parts[3].id = "prt_1_step_start";
      }),
      /: messages\.1\.parts\.3\.id: part prt_1_step_start appears twice$/,
    );
    await expectRefused(
      edited((d) => {
        d.messages[1].parts[2].messageID = USER;
      }),
      /: messages\.1\.parts\.2\.messageID: part prt_3_text names message msg_232cb911f000SyQa1nlp6yXEYv, not msg_232cb912b/,
    );
  });

  it("imports a subagent's session whose parent is not stored as a session of its own, and says so", async () => {
    const child = edited((d) => {
      d.info.parentID = "ses_missing_parent";
    });
    const { session, warnings } = await importSession(store, child);
    expect(session.parentID).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/parent session ses_missing_parent is not stored here/)]);
    // Listed, where a dangling link would have hidden it from every list of root sessions.
    expect((await store.listSessions({ directory: dir, roots: true })).sessions.map((s) => s.id)).toEqual([SESSION]);
    const { parentID: _, ...withoutParent } = (child as SessionExport).info;
    expect((await exportSession(store, SESSION)).info).toEqual(withoutParent);
  });

  it("keeps the link to a parent that is stored", async () => {
    const parent: Session = { ...exported(dir).info, id: "ses_parent", title: "parent" };
    await store.commit({ directory: dir, sessionID: parent.id }, (tx) => tx.putSession(parent));
    const { session, warnings } = await importSession(
      store,
      edited((d) => {
        d.info.parentID = "ses_parent";
      }),
    );
    expect(warnings).toEqual([]);
    expect(session.parentID).toBe("ses_parent");
    expect((await store.getSession(SESSION))?.parentID).toBe("ses_parent");
  });
});

function textPart(document: SessionExport) {
  const part = document.messages[1].parts[2];
  if (part.type !== "text") throw new Error("the fixture's third assistant part is its text");
  return part;
}

function toolTime(document: SessionExport) {
  const part = document.messages[1].parts[1];
  if (part.type !== "tool" || part.state.status !== "completed") throw new Error("the fixture's tool part moved");
  return part.state.time;
}
