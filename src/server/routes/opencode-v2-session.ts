// OpenCode's v2 session API (`/api/session/*`, the @opencode-ai/sdk v2 client's `v2.session`), mapped onto moor's
// sessions: create/list/get, prompt (queued like prompt_async) and wait (until the session is idle), the messages,
// interrupt, compact, revert (stage = moor's revert, clear = unrevert; commit leaves it to the next prompt, which
// makes a revert final in moor), and the session's permission requests and their answers. moor has no question tool
// (questions are always an empty list) and no way to switch a session's agent or model outside a prompt (those two
// answer "not supported"). Shapes: OpenCode 1.18.33's answers (test/compat/fixtures/opencode-1.18.33/api-session-*).
import type { Context } from "hono";
import * as z from "zod";
import { type RouteContext, readBody, requestDirectory, route } from "../context.js";
import { HttpError } from "../errors.js";
import { inV2Shape, v2Error, v2Message, v2NotSupported, v2Permission, v2Session } from "./opencode-v2-wire.js";

const ModelRef = z.object({ id: z.string().min(1), providerID: z.string().min(1), variant: z.string().optional() });
const Create = z
  .object({
    agent: z.string().optional(),
    model: ModelRef.optional(),
    location: z
      .object({ directory: z.string().min(1) })
      .loose()
      .optional(),
  })
  .loose();
const Prompt = z
  .object({
    id: z.string().optional(),
    prompt: z.object({ text: z.string().min(1) }).loose(),
    delivery: z.enum(["steer", "queue"]).optional(),
  })
  .loose();
const RevertStage = z.object({ messageID: z.string().min(1) }).loose();
const PermissionReply = z.object({ reply: z.enum(["once", "always", "reject"]), message: z.string().optional() });
const QuestionReply = z.object({}).loose();

export function opencodeV2SessionRoutes(ctx: RouteContext): void {
  const { core } = ctx.deps;
  const sessions = core.sessions;
  const tag = "v2";
  const id = (c: Context) => c.req.param("sessionID") ?? "";
  type Method = "get" | "post";
  const v2 = (
    method: Method,
    path: string,
    operationId: string,
    summary: string,
    notFound: string,
    handler: (c: Context) => Promise<Response> | Response,
  ) => route(ctx, { method, path, operationId, summary, tag }, (c) => inV2Shape(c, notFound, () => handler(c)));
  const noCursor = { previous: null, next: null };

  v2("get", "/api/session", "v2.session.list", "Sessions", "NotFoundError", async (c) => {
    const directory = c.req.query("directory");
    const page = await sessions.page({ directory, limit: 100 });
    return c.json({ data: page.sessions.map(v2Session), cursor: { previous: null, next: page.cursor ?? null } });
  });
  v2("post", "/api/session", "v2.session.create", "Create a session", "NotFoundError", async (c) => {
    const body = await readBody(c, Create);
    const directory = body.location?.directory ?? requestDirectory(c, ctx.deps.defaultDirectory);
    return c.json({ data: v2Session(await sessions.create({ directory })) });
  });
  // Registered before `/api/session/:sessionID`, which would otherwise take "active" for an id.
  v2("get", "/api/session/active", "v2.session.active", "Sessions that are not idle", "NotFoundError", (c) =>
    c.json({ data: sessions.allStatuses() }),
  );
  v2("get", "/api/session/:sessionID", "v2.session.get", "A session", "SessionNotFoundError", async (c) =>
    c.json({ data: v2Session(await sessions.get(id(c))) }),
  );
  v2(
    "post",
    "/api/session/:sessionID/prompt",
    "v2.session.prompt",
    "Queue a prompt",
    "SessionNotFoundError",
    async (c) => {
      const body = await readBody(c, Prompt);
      const { user, done } = await sessions.submit(id(c), { parts: [{ type: "text", text: body.prompt.text }] });
      done.catch((error) => ctx.deps.logger?.warn({ err: String(error), sessionID: id(c) }, "background turn failed"));
      return c.json({
        data: {
          // moor's event sequence number once the prompt is stored (OpenCode's counts the session's own events).
          admittedSeq: core.bus.lastSeq,
          id: user.id,
          sessionID: user.sessionID,
          prompt: { text: body.prompt.text },
          delivery: body.delivery ?? "steer",
          timeCreated: user.time.created,
        },
      });
    },
  );
  v2(
    "post",
    "/api/session/:sessionID/wait",
    "v2.session.wait",
    "Wait until idle",
    "SessionNotFoundError",
    async (c) => {
      const sessionID = id(c);
      await sessions.get(sessionID);
      await untilIdle(ctx, sessionID, c.req.raw.signal);
      return c.body(null, 204);
    },
  );
  v2("get", "/api/session/:sessionID/message", "v2.session.messages", "Messages", "SessionNotFoundError", async (c) =>
    c.json({ data: (await sessions.messages(id(c))).map(v2Message), cursor: noCursor }),
  );
  v2(
    "get",
    "/api/session/:sessionID/message/:messageID",
    "v2.session.message",
    "One message",
    "MessageNotFoundError",
    async (c) => c.json({ data: v2Message(await sessions.message(id(c), c.req.param("messageID") ?? "")) }),
  );
  // What the model sees next: moor sends the messages after the latest compaction summary (all of them here).
  v2(
    "get",
    "/api/session/:sessionID/context",
    "v2.session.context",
    "The model's context",
    "SessionNotFoundError",
    async (c) => c.json({ data: (await sessions.messages(id(c))).map(v2Message) }),
  );
  v2(
    "get",
    "/api/session/:sessionID/history",
    "v2.session.history",
    "Event history",
    "SessionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      return v2NotSupported(c, "session.history", "A session's v2 event history (moor's is GET /event)");
    },
  );
  v2("get", "/api/session/:sessionID/event", "v2.session.event", "Event stream", "SessionNotFoundError", async (c) => {
    await sessions.get(id(c));
    return v2NotSupported(c, "session.event", "The v2 session event stream (moor's is GET /event)");
  });
  v2(
    "post",
    "/api/session/:sessionID/interrupt",
    "v2.session.interrupt",
    "Stop the turn",
    "SessionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      await sessions.abort(id(c));
      return c.body(null, 204);
    },
  );
  v2("post", "/api/session/:sessionID/compact", "v2.session.compact", "Compact", "SessionNotFoundError", async (c) => {
    await sessions.summarize(id(c));
    return c.body(null, 204);
  });
  for (const [what, op] of [
    ["agent", "v2.session.agent"],
    ["model", "v2.session.model"],
  ] as const) {
    v2("post", `/api/session/:sessionID/${what}`, op, `Switch ${what}`, "SessionNotFoundError", async (c) => {
      await sessions.get(id(c));
      return v2NotSupported(c, `session.${what}`, `Switching a session's ${what} outside a prompt`);
    });
  }
  v2(
    "post",
    "/api/session/:sessionID/revert/stage",
    "v2.session.revert.stage",
    "Revert",
    "MessageNotFoundError",
    async (c) => {
      const body = await readBody(c, RevertStage);
      const session = await sessions.revert(id(c), { messageID: body.messageID });
      const revert = session.revert;
      return c.json({
        data: { messageID: revert?.messageID ?? body.messageID, ...(revert?.partID ? { partID: revert.partID } : {}) },
      });
    },
  );
  v2(
    "post",
    "/api/session/:sessionID/revert/clear",
    "v2.session.revert.clear",
    "Undo a revert",
    "SessionNotFoundError",
    async (c) => {
      const session = await sessions.get(id(c));
      if (session.revert) await sessions.unrevert(id(c));
      return c.body(null, 204);
    },
  );
  // moor makes a revert final at the session's next prompt (its hidden messages are deleted then); until then it
  // can still be undone. Committing has nothing more to do.
  v2(
    "post",
    "/api/session/:sessionID/revert/commit",
    "v2.session.revert.commit",
    "Keep a revert",
    "SessionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      return c.body(null, 204);
    },
  );
  const pendingOf = async (sessionID: string) =>
    (await core.gate.pending()).filter((request) => request.sessionID === sessionID);
  v2(
    "get",
    "/api/session/:sessionID/permission",
    "v2.session.permission.list",
    "Pending permissions",
    "SessionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      return c.json({ data: (await pendingOf(id(c))).map(v2Permission) });
    },
  );
  v2(
    "post",
    "/api/session/:sessionID/permission",
    "v2.session.permission.create",
    "Ask a permission",
    "SessionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      return v2NotSupported(c, "session.permission.create", "Asking a permission from a client");
    },
  );
  v2(
    "get",
    "/api/session/:sessionID/permission/:requestID",
    "v2.session.permission.get",
    "One permission request",
    "PermissionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      const requestID = c.req.param("requestID") ?? "";
      const found = (await pendingOf(id(c))).find((request) => request.id === requestID);
      if (!found) throw new HttpError(404, "not_found", `Permission request not found: ${requestID}`);
      return c.json({ data: v2Permission(found) });
    },
  );
  v2(
    "post",
    "/api/session/:sessionID/permission/:requestID/reply",
    "v2.session.permission.reply",
    "Answer a permission request",
    "PermissionNotFoundError",
    async (c) => {
      const body = await readBody(c, PermissionReply);
      await sessions.get(id(c));
      const requestID = c.req.param("requestID") ?? "";
      const pending = await pendingOf(id(c));
      if (
        !pending.some((request) => request.id === requestID) ||
        !(await core.gate.reply(requestID, body.reply, body.message))
      ) {
        throw new HttpError(404, "not_found", `Permission request not found: ${requestID}`);
      }
      return c.body(null, 204);
    },
  );
  v2(
    "get",
    "/api/session/:sessionID/question",
    "v2.session.question.list",
    "Open questions (none)",
    "SessionNotFoundError",
    async (c) => {
      await sessions.get(id(c));
      return c.json({ data: [] });
    },
  );
  for (const answer of ["reply", "reject"] as const) {
    v2(
      "post",
      `/api/session/:sessionID/question/:requestID/${answer}`,
      `v2.session.question.${answer}`,
      `${answer} a question (moor asks none)`,
      "QuestionNotFoundError",
      async (c) => {
        await readBody(c, QuestionReply);
        await sessions.get(id(c));
        const requestID = c.req.param("requestID") ?? "";
        return v2Error(c, 404, "QuestionNotFoundError", "not_found", `Question request not found: ${requestID}`);
      },
    );
  }
}

/** Resolves once the session has no turn running or queued (at once when it is idle), or when the client leaves. */
function untilIdle(ctx: RouteContext, sessionID: string, signal: AbortSignal): Promise<void> {
  const { core } = ctx.deps;
  return new Promise<void>((resolve) => {
    const finish = () => {
      unsubscribe();
      signal.removeEventListener("abort", finish);
      resolve();
    };
    const unsubscribe = core.bus.subscribe(
      (envelope) => {
        if (envelope.event.type === "session.status" && !core.sessions.isBusy(sessionID)) finish();
      },
      { sessionID },
    );
    signal.addEventListener("abort", finish);
    if (!core.sessions.isBusy(sessionID)) finish();
  });
}
