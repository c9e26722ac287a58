// The view model both screens share (src/client/view-model.ts): questions of the open session's descendants (a
// child session created with parentID, e.g. by a task tool) are shown and answered here, since the child's turn waits
// on them; the transcript stays the open session's.
import { describe, expect, it } from "vitest";
import { descendantsOf } from "../../src/client/session-family.js";
import { initialView, type ViewAction, type ViewState, viewReducer } from "../../src/client/view-model.js";
import type { MoorEvent, PermissionRequest, Session } from "../../src/protocol/index.js";

function session(id: string, parentID?: string): Session {
  return {
    id,
    slug: id,
    projectID: "global",
    directory: "/p",
    parentID,
    title: id,
    version: "test",
    time: { created: 1, updated: 1 },
  };
}

function question(id: string, sessionID: string): PermissionRequest {
  return { id, sessionID, permission: "bash", patterns: ["ls"], metadata: {}, always: ["ls *"] };
}

const event = (e: MoorEvent): ViewAction => ({ type: "event", event: e });
const created = (s: Session): ViewAction =>
  event({ type: "session.created", properties: { sessionID: s.id, info: s } });
const asked = (q: PermissionRequest): ViewAction => event({ type: "permission.asked", properties: q });

function fold(actions: ViewAction[], from: ViewState = initialView): ViewState {
  return actions.reduce(viewReducer, from);
}

function opened(descendants?: string[], permissions: PermissionRequest[] = []): ViewState {
  return fold([
    { type: "joining", join: 1 },
    { type: "open", session: session("ses_p"), messages: [], join: 1, busy: true, permissions, descendants },
  ]);
}

describe("view model: questions of child sessions", () => {
  it("keeps the pending questions of the session and the descendants it was opened with, not others", () => {
    const view = opened(
      ["ses_c", "ses_g"],
      [question("per_1", "ses_p"), question("per_2", "ses_c"), question("per_3", "ses_x"), question("per_4", "ses_g")],
    );
    expect(view.permissions.map((q) => q.id)).toEqual(["per_1", "per_2", "per_4"]);
  });

  it("learns children and grandchildren from session events and shows their questions until answered", () => {
    const view = fold(
      [
        created(session("ses_c", "ses_p")),
        created(session("ses_g", "ses_c")),
        created(session("ses_x", "ses_other")),
        asked(question("per_g", "ses_g")),
        asked(question("per_x", "ses_x")),
        asked(question("per_c", "ses_c")),
      ],
      opened(),
    );
    expect(view.family).toEqual(["ses_p", "ses_c", "ses_g"]);
    expect(view.permissions.map((q) => q.id)).toEqual(["per_g", "per_c"]);
    const answered = fold(
      [event({ type: "permission.replied", properties: { sessionID: "ses_g", requestID: "per_g", reply: "once" } })],
      view,
    );
    expect(answered.permissions.map((q) => q.id)).toEqual(["per_c"]);
  });

  it("keeps the transcript and status the open session's: a child's messages and status do not enter", () => {
    const view = fold(
      [
        created(session("ses_c", "ses_p")),
        event({ type: "session.status", properties: { sessionID: "ses_c", status: { type: "idle" } } }),
        event({
          type: "message.updated",
          properties: {
            sessionID: "ses_c",
            info: { id: "msg_c", sessionID: "ses_c", role: "user", time: { created: 1 } },
          },
        } as MoorEvent),
      ],
      opened(),
    );
    expect(view.status).toEqual({ type: "busy" });
    expect(view.messages).toEqual([]);
  });

  it("a child announced while the snapshot loaded is learnt when the held events are applied", () => {
    const view = fold([
      { type: "joining", join: 1 },
      created(session("ses_c", "ses_p")),
      asked(question("per_c", "ses_c")),
      { type: "open", session: session("ses_p"), messages: [], join: 1, busy: true, permissions: [] },
    ]);
    expect(view.permissions.map((q) => q.id)).toEqual(["per_c"]);
  });

  it("opening another session forgets the previous family", () => {
    const first = fold([created(session("ses_c", "ses_p"))], opened());
    const other = fold(
      [
        { type: "joining", join: 2 },
        { type: "open", session: session("ses_q"), messages: [], join: 2, busy: false, permissions: [] },
        asked(question("per_c", "ses_c")),
      ],
      first,
    );
    expect(other.family).toEqual(["ses_q"]);
    expect(other.permissions).toEqual([]);
  });

  it("descendantsOf walks GET /session/:id/children breadth first", async () => {
    const tree: Record<string, Session[]> = {
      ses_p: [session("ses_a", "ses_p"), session("ses_b", "ses_p")],
      ses_a: [session("ses_a1", "ses_a")],
    };
    expect(await descendantsOf(async (id) => tree[id] ?? [], "ses_p")).toEqual(["ses_a", "ses_b", "ses_a1"]);
  });
});

describe("compaction in the view model", () => {
  it("says the session was compacted when the server announces it", () => {
    const view = fold([event({ type: "session.compacted", properties: { sessionID: "ses_p" } })], opened());
    expect(view.notice).toMatch(/compacted/);
    const other = fold([event({ type: "session.compacted", properties: { sessionID: "ses_other" } })], opened());
    expect(other.notice).toBeUndefined();
  });
});

describe("view model: joining a stream on another connection than the snapshot", () => {
  it("does not apply a text delta that arrives after the snapshot already holding it (no doubled word)", () => {
    const part = { id: "prt_1", sessionID: "ses_p", messageID: "msg_1", type: "text" as const, text: "w0 w1 " };
    const info = {
      id: "msg_1",
      sessionID: "ses_p",
      role: "assistant" as const,
      time: { created: 1 },
      parentID: "msg_0",
      modelID: "m",
      providerID: "p",
      mode: "build",
      agent: "build",
      path: { cwd: "/p", root: "/p" },
      cost: 0,
      tokens: { total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
    };
    const delta = (text: string): MoorEvent => ({
      type: "message.part.delta",
      properties: { sessionID: "ses_p", messageID: "msg_1", partID: "prt_1", field: "text", delta: text },
    });
    const view = fold([
      { type: "joining", join: 1 },
      { type: "event", event: delta("w0 "), id: "e1-4" },
      {
        type: "open",
        session: session("ses_p"),
        messages: [{ info, parts: [part] }],
        eventId: "e1-5",
        join: 1,
        busy: true,
        permissions: [],
      },
      // The w1 delta (id 5) is in the snapshot but reaches this client only now; w2 (id 6) is new.
      { type: "event", event: delta("w1 "), id: "e1-5" },
      { type: "event", event: delta("w2 "), id: "e1-6" },
    ]);
    const text = view.messages.flatMap((m) => m.parts).find((p) => p.type === "text");
    expect(text?.type === "text" && text.text).toBe("w0 w1 w2 ");
  });
});
