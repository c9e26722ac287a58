import * as z from "zod";
import { PermissionReply, PermissionRequest } from "../../protocol/index.js";
import { type RouteContext, readBody, route } from "../context.js";
import { HttpError } from "../errors.js";

const Reply = z.object({ reply: PermissionReply, message: z.string().optional() });
const LegacyReply = z.object({ response: PermissionReply });

export function permissionRoutes(ctx: RouteContext): void {
  const { core } = ctx.deps;
  const tag = "permission";
  const answer = async (requestID: string, reply: PermissionReply, message?: string) => {
    if (!(await core.gate.reply(requestID, reply, message))) {
      throw new HttpError(404, "not_found", `Permission request not found or already answered: ${requestID}`);
    }
  };
  route(
    ctx,
    {
      method: "get",
      path: "/permission",
      operationId: "permission.list",
      summary: "Pending permission requests",
      tag,
      response: z.array(PermissionRequest),
    },
    async (c) => c.json(await core.gate.pending()),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/permission/:requestID/reply",
      operationId: "permission.reply",
      summary: "Answer a permission request",
      tag,
      body: Reply,
      response: z.boolean(),
    },
    async (c) => {
      const body = await readBody(c, Reply);
      await answer(c.req.param("requestID") ?? "", body.reply, body.message);
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/permissions/:permissionID",
      operationId: "permission.respond",
      summary: "Answer a permission request (older route)",
      tag,
      body: LegacyReply,
      response: z.boolean(),
    },
    async (c) => {
      const body = await readBody(c, LegacyReply);
      await core.sessions.get(c.req.param("sessionID") ?? "");
      await answer(c.req.param("permissionID") ?? "", body.response);
      return c.json(true);
    },
  );
}
