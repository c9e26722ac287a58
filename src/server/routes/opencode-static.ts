// Routes OpenCode's TUI and SDK call at start-up or from a dialog, answered from what moor has (or, for what moor
// does not do, with OpenCode's own "nothing here" answer), so that its clients get a 200 where OpenCode gives one.
// Shapes: OpenCode 1.18.33's answers (test/compat/fixtures/opencode-1.18.33/).
import * as z from "zod";
import { EmptyBody, type RouteContext, readBody, requestDirectory, route } from "../context.js";
import { HttpError } from "../errors.js";
import { projectFor } from "./opencode-project.js";

const LogEntry = z
  .object({
    service: z.string(),
    level: z.enum(["debug", "info", "error", "warn"]),
    message: z.string(),
    extra: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

export function opencodeStaticRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  const constant = (path: string, operationId: string, summary: string, value: unknown) =>
    route(ctx, { method: "get", path, operationId, summary, tag: "opencode" }, (c) => c.json(value));
  // No background subagents, console organisations, workspaces, MCP resources, skills or open questions in moor.
  constant("/experimental/capabilities", "experimental.capabilities", "Optional features", {
    backgroundSubagents: false,
  });
  constant("/experimental/console", "experimental.console.get", "OpenCode console state (none)", {
    consoleManagedProviders: [],
    switchableOrgCount: 0,
  });
  constant("/experimental/workspace", "experimental.workspace.list", "Workspaces (none)", []);
  constant("/experimental/resource", "experimental.resource.list", "MCP resources (none)", {});
  constant("/project/global/directories", "project.globalDirectories", "Extra directories (none)", []);
  // Moor's providers take their keys from config or the environment: no login methods to offer.
  constant("/provider/auth", "provider.auth", "Provider login methods (none)", {});
  constant("/skill", "app.skills", "Skills (none)", []);
  constant("/question", "question.list", "Open questions from the question tool (none)", []);
  route(
    ctx,
    { method: "get", path: "/experimental/tool/ids", operationId: "tool.ids", summary: "Tool ids", tag: "tool" },
    (c) => c.json(deps.core.tools.forAgent(deps.core.agents.defaultAgent).definitions.map((tool) => tool.name)),
  );
  route(
    ctx,
    { method: "get", path: "/project", operationId: "project.list", summary: "Projects", tag: "project" },
    async (c) => {
      const directory = requestDirectory(c, deps.defaultDirectory);
      return c.json([projectFor(directory, await deps.core.sessions.list({ directory }))]);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/log",
      operationId: "app.log",
      summary: "A client's log line",
      tag: "app",
      body: LogEntry,
    },
    async (c) => {
      const entry = await readBody(c, LogEntry);
      deps.logger?.[entry.level](
        { service: entry.service, ...(entry.extra ? { extra: entry.extra } : {}) },
        `client: ${entry.message}`,
      );
      return c.json(true);
    },
  );
  route(
    ctx,
    {
      method: "post",
      path: "/session/:sessionID/share",
      operationId: "session.share",
      summary: "Not supported: moor does not share sessions",
      tag: "session",
      body: EmptyBody,
    },
    async (c) => {
      await deps.core.sessions.get(c.req.param("sessionID") ?? "");
      throw new HttpError(400, "bad_request", "Sharing sessions is not supported by moor.");
    },
  );
}
