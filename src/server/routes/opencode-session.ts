// POST /session/:id/shell: OpenCode's `!command` in its TUI. The command runs as the session's next turn (after a
// turn in progress) through core/shell-step.ts; the answer is the assistant message holding its bash tool part.
import * as z from "zod";
import { ModelRef } from "../../protocol/index.js";
import { type RouteContext, readBody, route } from "../context.js";
import { framesWritten } from "../sse.js";

const ShellInput = z.object({
  messageID: z.string().optional(),
  agent: z.string(),
  model: ModelRef.optional(),
  command: z.string().min(1),
});

export function opencodeSessionRoutes(ctx: RouteContext): void {
  const { sessions } = ctx.deps.core;
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/shell",
      operationId: "session.shell",
      summary: "Run the user's shell command in the session (OpenCode's `!command`)",
      tag: "session",
      body: ShellInput,
    },
    async (c) => {
      const body = await readBody(c, ShellInput);
      const id = c.req.param("sessionID") ?? "";
      const { done } = await sessions.submitShell(id, body);
      const result = await done;
      await framesWritten();
      return c.json(result.last ?? (await sessions.message(id, result.user.id)));
    },
  );
}
