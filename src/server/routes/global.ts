// Health, paths, config, providers, agents and commands: what OpenCode clients read before they start a session.
import * as z from "zod";
import { toWireAgent } from "../../core/agents/wire.js";
import { Agent, Command } from "../../protocol/index.js";
import { type RouteContext, requestDirectory, route } from "../context.js";
import { projectFor } from "./opencode-project.js";

export function globalRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  route(
    ctx,
    {
      method: "get",
      path: "/global/health",
      operationId: "global.health",
      summary: "Health check",
      tag: "global",
      response: z.object({ healthy: z.boolean(), version: z.string() }),
    },
    (c) => c.json({ healthy: true, version: deps.version }),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/config",
      operationId: "config.get",
      summary: "The merged configuration (secrets masked)",
      tag: "config",
    },
    (c) => c.json(deps.config?.() ?? {}),
  );
  const providers = () =>
    (deps.providers?.() ?? { providers: [], default: {} }) as {
      providers: { id: string }[];
      default: Record<string, string>;
    };
  route(
    ctx,
    {
      method: "get",
      path: "/config/providers",
      operationId: "config.providers",
      summary: "Configured providers and default models",
      tag: "config",
    },
    (c) => c.json(providers()),
  );
  route(
    ctx,
    { method: "get", path: "/provider", operationId: "provider.list", summary: "Providers", tag: "provider" },
    (c) => {
      const list = providers();
      return c.json({
        all: list.providers,
        default: list.default,
        connected: list.providers.map((provider) => provider.id),
      });
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/agent",
      operationId: "app.agents",
      summary: "Agents, from the core's registry (OpenCode's Agent shape)",
      tag: "app",
      response: z.array(Agent),
    },
    // A project's own agents are its sessions' (OpenCode's `directory` query or header names it).
    (c) => {
      const directory = requestDirectory(c, "");
      return c.json((directory ? deps.core.agentsFor(directory) : deps.core.agents).list().map(toWireAgent));
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/command",
      operationId: "command.list",
      summary: "Slash commands: the built-ins and the directory's configured ones (OpenCode's Command shape)",
      tag: "command",
      response: z.array(Command),
    },
    (c) => c.json(deps.core.commands.list(requestDirectory(c, deps.defaultDirectory))),
  );
  route(
    ctx,
    { method: "get", path: "/path", operationId: "path.get", summary: "Where the server keeps things", tag: "path" },
    (c) => {
      const directory = requestDirectory(c, deps.defaultDirectory);
      const paths = deps.paths ?? {};
      return c.json({
        home: paths.home ?? deps.home ?? "",
        state: paths.state ?? "",
        config: paths.config ?? "",
        worktree: directory,
        directory,
      });
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/project/current",
      operationId: "project.current",
      summary: "The current project",
      tag: "project",
    },
    async (c) => {
      const directory = requestDirectory(c, deps.defaultDirectory);
      return c.json(projectFor(directory, await deps.core.sessions.list({ directory })));
    },
  );
  ctx.app.get("/doc", (c) => c.json(ctx.registry.document(deps.version)));
}
