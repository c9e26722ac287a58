// A step's cost does not grow with the history (issue 20 §1): the model prompt is rebuilt from the store's history
// at every step, and only messages new or written since the last step are converted again; unchanged ones come back
// as the same objects (so their token estimate is not recomputed either). A real SQLite store in a temp dir.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { toModelPrompt } from "../../src/core/history.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { session, text, user } from "../storage/contract.js";

describe("the model prompt per step", () => {
  let dir: string;
  let store: SqliteStore;
  const scope = { directory: "/tmp/project", sessionID: "ses_1" };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "moor-per-step-"));
    store = new SqliteStore(join(dir, "moor.db"));
    await store.commit(scope, (tx) => {
      tx.putSession(session("ses_1"));
      for (let i = 0; i < 50; i++) {
        const id = `msg_${String(i).padStart(3, "0")}`;
        tx.putMessage(user(id));
        tx.putPart(text(`prt_${id}`, id, `prompt ${i}`));
      }
    });
  });
  afterEach(() => {
    store.closeNow();
    rmSync(dir, { recursive: true, force: true });
  });

  it("converts only what was written since the last step; the rest is reused as it was", async () => {
    const first = toModelPrompt(await store.history("ses_1"));
    await store.commit(scope, (tx) => {
      tx.putMessage(user("msg_100"));
      tx.putPart(text("prt_new", "msg_100", "a new prompt"));
      tx.putPart(text("prt_msg_003", "msg_003", "prompt 3, edited"));
    });
    const second = toModelPrompt(await store.history("ses_1"));
    expect(second).toHaveLength(51);
    // Unchanged messages: the very objects of the last step.
    expect(second[0]).toBe(first[0]);
    expect(second[49]).toBe(first[49]);
    // A rewritten message and a new one are converted from what is stored now.
    expect(second[3]).not.toBe(first[3]);
    expect(second[3]).toEqual({ role: "user", content: [{ type: "text", text: "prompt 3, edited" }] });
    expect(second[50]).toEqual({ role: "user", content: [{ type: "text", text: "a new prompt" }] });
  });
});
