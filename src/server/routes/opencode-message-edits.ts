// OpenCode's history edits and its `/init`: DELETE a message (with its parts), DELETE or PATCH one part, and
// POST /session/:id/init (the built-in `/init` command run as the session's next turn, answered `true` as OpenCode
// does). Shapes: OpenCode 1.18.33's openapi.json; the edits themselves live in core/message-edits.ts.
import * as z from "zod";
import { deleteMessage, deletePart, updatePart } from "../../core/message-edits.js";
import { Part } from "../../protocol/index.js";
import { EmptyBody, type RouteContext, readBody, route } from "../context.js";
import { HttpError } from "../errors.js";
import { framesWritten } from "../sse.js";

/** OpenCode requires all three; moor also takes none (the session's own model) or a partial pair it can read. */
const InitInput = z.object({
  messageID: z.string().optional(),
  providerID: z.string().optional(),
  modelID: z.string().optional(),
});

export function opencodeMessageEditRoutes(ctx: RouteContext): void {
  const { core } = ctx.deps;
  const deps = { store: core.store, sessions: core.sessions };
  const tag = "session";
  route(
    ctx,
    {
      method: "delete",
      path: "/session/:sessionID/message/:messageID",
      operationId: "session.deleteMessage",
      summary: "Delete a message and its parts (no file is reverted); 409 while a turn runs",
      tag,
    },
    async (c) => {
      await deleteMessage(deps, c.req.param("sessionID") ?? "", c.req.param("messageID") ?? "");
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "delete",
      path: "/session/:sessionID/message/:messageID/part/:partID",
      operationId: "part.delete",
      summary: "Delete one part of a message; 409 while a turn runs",
      tag,
    },
    async (c) => {
      await deletePart(
        deps,
        c.req.param("sessionID") ?? "",
        c.req.param("messageID") ?? "",
        c.req.param("partID") ?? "",
      );
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "patch",
      path: "/session/:sessionID/message/:messageID/part/:partID",
      operationId: "part.update",
      summary: "Replace a part (same ids and type); 409 while a turn runs",
      tag,
      body: Part,
      response: Part,
    },
    async (c) => {
      const part = await readBody(c, Part);
      const where = {
        sessionID: c.req.param("sessionID") ?? "",
        messageID: c.req.param("messageID") ?? "",
        partID: c.req.param("partID") ?? "",
      };
      return c.json(await updatePart(deps, where, part, Date.now()));
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/init",
      operationId: "session.init",
      summary: "Analyse the project and write AGENTS.md (the built-in /init command as the next turn)",
      tag,
      body: InitInput,
    },
    async (c) => {
      const body = await readBody(c, InitInput);
      if (Boolean(body.providerID) !== Boolean(body.modelID)) {
        throw new HttpError(
          400,
          "bad_request",
          "providerID and modelID go together (or neither: the session's model).",
        );
      }
      const model = body.providerID && body.modelID ? `${body.providerID}/${body.modelID}` : undefined;
      await core.commands.run(c.req.param("sessionID") ?? "", {
        command: "init",
        arguments: "",
        ...(body.messageID ? { messageID: body.messageID } : {}),
        ...(model ? { model } : {}),
      });
      await framesWritten();
      return c.json(true);
    },
  );
  // Moor never shares a session, so there is no link to remove either (POST …/share: opencode-static.ts).
  route(
    ctx,
    {
      method: "delete",
      path: "/session/:sessionID/share",
      operationId: "session.unshare",
      summary: "Not supported: moor does not share sessions",
      tag,
      body: EmptyBody,
    },
    async (c) => {
      await core.sessions.get(c.req.param("sessionID") ?? "");
      throw new HttpError(400, "bad_request", "Sharing sessions is not supported by moor.");
    },
  );
}
