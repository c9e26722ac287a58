// `moor import` of a document whose message or part ids are stored in another session: refused whole with a
// one-line error and a non-zero exit; the session that owns those ids is left exactly as it was.
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { exportSession, type SessionExport } from "../../src/core/transfer.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { runMoor } from "../fakes/moor-process.js";

describe("moor import: ids belong to their session", () => {
  let home: TempHome;
  let original: SessionExport;
  beforeEach(async () => {
    home = makeTempHome("http://127.0.0.1:9/v1");
    const store = new SqliteStore(join(home.env.MOOR_DATA_DIR, "moor.db"));
    try {
      await store.commit({ directory: home.project, sessionID: "ses_owner" }, (tx) => {
        tx.putSession({
          id: "ses_owner",
          slug: "owner",
          projectID: "global",
          directory: home.project,
          title: "owner",
          version: "test",
          time: { created: 1, updated: 1 },
        });
        tx.putMessage({ id: "msg_owned", sessionID: "ses_owner", role: "user", time: { created: 1 } });
        tx.putPart({ id: "prt_owned", sessionID: "ses_owner", messageID: "msg_owned", type: "text", text: "mine" });
      });
      original = await exportSession(store, "ses_owner");
    } finally {
      store.closeNow();
    }
  });
  afterEach(() => rmSync(home.root, { recursive: true, force: true }));

  /** The owner's export under another session id, with the given ids and text. */
  function forgery(messageID: string, partID: string): string {
    const file = join(home.root, `forged-${messageID}-${partID}.json`);
    const document: SessionExport = {
      info: { ...original.info, id: "ses_forged", title: "forged" },
      messages: [
        {
          info: { id: messageID, sessionID: "ses_forged", role: "user", time: { created: 1 } },
          parts: [{ id: partID, sessionID: "ses_forged", messageID, type: "text", text: "overwritten" }],
        },
      ],
      todos: [],
    };
    writeFileSync(file, JSON.stringify(document));
    return file;
  }

  it("refuses a message id or a part id of another session, changes nothing, and says why in one line", async () => {
    for (const [messageID, partID] of [
      ["msg_owned", "prt_new"],
      ["msg_new", "prt_owned"],
    ]) {
      const result = await runMoor(["import", forgery(messageID, partID)], { env: home.env, cwd: home.project });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/^moor: .*already exists in session ses_owner; nothing imported\n$/);
      expect(result.stdout).toBe("");
    }
    const exported = await runMoor(["export", "ses_owner"], { env: home.env, cwd: home.project });
    expect(JSON.parse(exported.stdout)).toEqual(original);
    const forged = await runMoor(["export", "ses_forged"], { env: home.env, cwd: home.project });
    expect(forged.code).not.toBe(0);
  });
});
