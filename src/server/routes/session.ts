// The session API, OpenCode's shapes (reference/opencode-core-openapi.json).
import * as z from "zod";
import {
  CommandInput,
  FileDiff,
  MessageWithParts,
  PromptInput,
  Session,
  SessionStatus,
  SNAPSHOT_HEADER,
  Todo,
} from "../../protocol/index.js";
import { type RouteContext, readBody, readQuery, requestDirectory, route } from "../context.js";
import { snapshotPosition } from "../message-snapshot.js";
import { registerPromptNotify } from "../prompt-notify.js";
import { framesWritten } from "../sse.js";

const CreateSession = z.object({ title: z.string().optional(), parentID: z.string().optional() }).loose();
/**
 * OpenCode's session.update body: a new title, and `time.archived` (when the session was archived; OpenCode's
 * clients archive rather than delete). null un-archives it (OpenCode 1.18.33 takes null and keeps the old time).
 */
const UpdateSession = z
  .object({
    title: z.string().min(1).optional(),
    time: z.object({ archived: z.number().nullable().optional() }).optional(),
  })
  .loose();
const Fork = z.object({ messageID: z.string().optional() }).loose();
/** OpenCode's revert body; `force` (moor's) overwrites files changed by hand since the agent's change. */
const Revert = z
  .object({ messageID: z.string().min(1), partID: z.string().min(1).optional(), force: z.boolean().optional() })
  .loose();
const Unrevert = z.object({ force: z.boolean().optional() }).loose();
const DiffQuery = z.object({ messageID: z.string().optional() }).loose();
/** OpenCode's body names the model to summarize with; moor also takes none (the session's last prompt's model). */
const Summarize = z
  .object({
    providerID: z.string().min(1).optional(),
    modelID: z.string().min(1).optional(),
    auto: z.boolean().optional(),
  })
  .loose();
const ListQuery = z
  .object({
    directory: z.string().optional(),
    roots: z
      .enum(["true", "false"])
      .transform((value) => value === "true")
      .optional(),
    limit: z.coerce.number().int().positive().optional(),
    /** Only sessions whose title contains every word of this, case ignored (OpenCode's `search`). */
    search: z.string().max(200).optional(),
    /** Where the previous page ended: its `x-moor-next-cursor` header. */
    cursor: z.string().max(200).optional(),
  })
  .loose();
/** Set on a page of GET /session when more sessions follow; pass its value as `cursor` for the next page. */
const NEXT_CURSOR_HEADER = "x-moor-next-cursor";

export function sessionRoutes(ctx: RouteContext): void {
  const { core } = ctx.deps;
  const sessions = core.sessions;
  const tag = "session";
  const id = (c: { req: { param(name: string): string } }) => c.req.param("sessionID");

  route(
    ctx,
    {
      method: "get",
      path: "/session",
      operationId: "session.list",
      summary: "List sessions",
      tag,
      query: ListQuery,
      response: z.array(Session),
    },
    async (c) => {
      const query = readQuery(c, ListQuery);
      const page = await sessions.page({
        directory: query.directory,
        roots: query.roots,
        search: query.search,
        limit: query.limit,
        cursor: query.cursor,
      });
      // The next page's cursor goes in a header, so the body stays OpenCode's plain array.
      if (page.cursor) c.header(NEXT_CURSOR_HEADER, page.cursor);
      return c.json(page.sessions);
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/api/sessions",
      operationId: "session.listAll",
      summary: "List sessions (seed's documented call)",
      tag,
      response: z.array(Session),
    },
    async (c) => c.json(await sessions.list()),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session",
      operationId: "session.create",
      summary: "Create a session",
      tag,
      body: CreateSession,
      response: Session,
    },
    async (c) => {
      const body = await readBody(c, CreateSession);
      const directory = requestDirectory(c, ctx.deps.defaultDirectory);
      return c.json(await sessions.create({ directory, title: body.title, parentID: body.parentID }));
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/status",
      operationId: "session.status",
      summary: "Status of sessions that are not idle",
      tag,
      response: z.record(z.string(), SessionStatus),
    },
    (c) => c.json(sessions.allStatuses()),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/:sessionID",
      operationId: "session.get",
      summary: "Get a session",
      tag,
      response: Session,
    },
    async (c) => c.json(await sessions.get(id(c))),
  );
  route(
    ctx,
    {
      method: "patch",
      path: "/session/:sessionID",
      operationId: "session.update",
      summary: "Rename a session, or archive it",
      tag,
      body: UpdateSession,
      response: Session,
    },
    async (c) => {
      const body = await readBody(c, UpdateSession);
      return c.json(await sessions.update(id(c), { title: body.title, archived: body.time?.archived }));
    },
  );
  route(
    ctx,
    {
      method: "delete",
      path: "/session/:sessionID",
      operationId: "session.delete",
      summary: "Delete a session (and its children)",
      tag,
      response: z.boolean(),
    },
    async (c) => {
      await sessions.remove(id(c));
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/:sessionID/message",
      operationId: "session.messages",
      summary: "The session's messages with their parts",
      tag,
      response: z.array(MessageWithParts),
    },
    async (c) => {
      // The snapshot is exactly the events up to that id.
      const { messages, seq } = await sessions.messagesAt(id(c));
      c.header(SNAPSHOT_HEADER, snapshotPosition(core.bus, seq));
      return c.json(messages);
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/:sessionID/message/:messageID",
      operationId: "session.message",
      summary: "One message with its parts",
      tag,
      response: MessageWithParts,
    },
    async (c) => {
      const { message, seq } = await sessions.messageAt(id(c), c.req.param("messageID") ?? "");
      c.header(SNAPSHOT_HEADER, snapshotPosition(core.bus, seq));
      return c.json(message);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/message",
      operationId: "session.prompt",
      summary: "Send a prompt and wait for the turn",
      tag,
      body: PromptInput,
      response: MessageWithParts,
    },
    async (c) => {
      const body = await readBody(c, PromptInput);
      const cancelNotify = registerPromptNotify(ctx.deps.notify, id(c), body);
      const result = await sessions.prompt(id(c), body).catch((error) => {
        cancelNotify();
        throw error;
      });
      // Every frame of the turn is on its way to the event streams before the reply that ends it.
      await framesWritten();
      if (result.last) return c.json(result.last);
      return c.json(await sessions.message(id(c), result.user.id));
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/prompt_async",
      operationId: "session.prompt_async",
      summary: "Start a turn and return at once",
      tag,
      body: PromptInput,
      status: 204,
    },
    async (c) => {
      const body = await readBody(c, PromptInput);
      const cancelNotify = registerPromptNotify(ctx.deps.notify, id(c), body);
      const { done } = await sessions.submit(id(c), body).catch((error) => {
        cancelNotify();
        throw error;
      });
      done.catch((error) => ctx.deps.logger?.warn({ err: String(error), sessionID: id(c) }, "background turn failed"));
      return c.body(null, 204);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/command",
      operationId: "session.command",
      summary: "Run a slash command as the session's next prompt and wait for its turn",
      tag,
      body: CommandInput,
      response: MessageWithParts,
    },
    async (c) => {
      const body = await readBody(c, CommandInput);
      const result = await core.commands.run(id(c), body);
      await framesWritten();
      if (result.last) return c.json(result.last);
      return c.json(await sessions.message(id(c), result.user.id));
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/abort",
      operationId: "session.abort",
      summary: "Abort the running turn",
      tag,
      response: z.boolean(),
    },
    // OpenCode answers `true` for an idle session too (nothing left running either way); moor's core tells them apart.
    async (c) => {
      await sessions.abort(id(c));
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/summarize",
      operationId: "session.summarize",
      summary: "Compact the session: a summary message the model sees the history from",
      tag,
      body: Summarize,
      response: z.boolean(),
    },
    async (c) => {
      const body = await readBody(c, Summarize);
      const model =
        body.providerID && body.modelID ? { providerID: body.providerID, modelID: body.modelID } : undefined;
      await sessions.summarize(id(c), model);
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/resume",
      operationId: "session.resume",
      summary: "Continue a turn a restart interrupted",
      tag,
      status: 202,
      response: z.boolean(),
    },
    async (c) => {
      const { done } = await sessions.submitResume(id(c));
      done.catch((error) => ctx.deps.logger?.warn({ err: String(error) }, "resume failed"));
      return c.json(true, 202);
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/:sessionID/children",
      operationId: "session.children",
      summary: "Sessions forked or spawned from this one",
      tag,
      response: z.array(Session),
    },
    async (c) => c.json(await sessions.children(id(c))),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/:sessionID/todo",
      operationId: "session.todo",
      summary: "The session's todo list",
      tag,
      response: z.array(Todo),
    },
    async (c) => c.json(await sessions.todos(id(c))),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/session/:sessionID/diff",
      operationId: "session.diff",
      summary: "Files changed by the session (or by one prompt's turn: messageID), tools and commands alike",
      tag,
      query: DiffQuery,
      response: z.array(FileDiff),
    },
    async (c) => c.json(await sessions.diff(id(c), readQuery(c, DiffQuery).messageID)),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/revert",
      operationId: "session.revert",
      summary:
        "Undo the file changes from a message on and hide those messages (409 while a turn runs or on conflicts)",
      tag,
      body: Revert,
      response: Session,
    },
    async (c) => c.json(await sessions.revert(id(c), await readBody(c, Revert))),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/unrevert",
      operationId: "session.unrevert",
      summary: "Undo a revert: the files and messages as they were before it (409 on files changed by hand since)",
      tag,
      body: Unrevert,
      response: Session,
    },
    async (c) => c.json(await sessions.unrevert(id(c), (await readBody(c, Unrevert)).force)),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/fork",
      operationId: "session.fork",
      summary: "Copy the session (up to a message) into a new one",
      tag,
      body: Fork,
      response: Session,
    },
    async (c) => {
      const body = await readBody(c, Fork);
      return c.json(await sessions.fork(id(c), body.messageID));
    },
  );
}
