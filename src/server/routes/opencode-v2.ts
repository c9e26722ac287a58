// The v2 `/api/*` routes OpenCode's TUI reads at start-up through its SDK's v2 client (it falls back when they
// 404, but logs each): every answer is `{location, data}`. Built from what moor has: its agents, commands and
// configured models; moor has no skills, references or login integrations, so those lists are empty. Shapes:
// OpenCode 1.18.33's answers (test/compat/fixtures/opencode-1.18.33/api-*.json).
import { toWireAgent } from "../../core/agents/wire.js";
import { type RouteContext, requestDirectory, route } from "../context.js";

interface ListedModel {
  id: string;
  providerID: string;
  name: string;
  api: { id: string; npm: string };
  capabilities: { toolcall: boolean };
  status: string;
  limit: { context: number; output: number };
}
interface ListedProvider {
  id: string;
  name: string;
  options: { baseURL?: string };
  models: Record<string, ListedModel>;
}

export function opencodeV2Routes(ctx: RouteContext): void {
  const { deps } = ctx;
  const providers = () => ((deps.providers?.() ?? { providers: [] }) as { providers: ListedProvider[] }).providers;
  const v2 = (path: string, operationId: string, summary: string, data: (directory: string) => unknown) =>
    route(ctx, { method: "get", path, operationId, summary, tag: "v2" }, (c) => {
      const directory = requestDirectory(c, deps.defaultDirectory);
      return c.json({ location: location(directory), data: data(directory) });
    });
  const location = (directory: string) => ({ directory, project: { id: "global", directory } });
  route(ctx, { method: "get", path: "/api/location", operationId: "v2.location", summary: "Where", tag: "v2" }, (c) =>
    c.json(location(requestDirectory(c, deps.defaultDirectory))),
  );
  // The v2 client's health check: OpenCode's answer is exactly this (its openapi.json: `healthy` is always true).
  route(ctx, { method: "get", path: "/api/health", operationId: "v2.health", summary: "Health", tag: "v2" }, (c) =>
    c.json({ healthy: true }),
  );
  v2("/api/agent", "v2.agent.list", "Agents", (directory) =>
    deps.core
      .agentsFor(directory)
      .list()
      .map(toWireAgent)
      .map((agent) => ({
        id: agent.name,
        request: { headers: {}, body: {} },
        description: agent.description ?? "",
        mode: agent.mode,
        hidden: agent.hidden ?? false,
        permissions: agent.permission.map((rule) => ({
          action: rule.permission,
          resource: rule.pattern,
          effect: rule.action,
        })),
      })),
  );
  v2("/api/command", "v2.command.list", "Commands", (directory) =>
    deps.core.commands.list(directory).map((command) => ({
      name: command.name,
      template: command.template,
      description: command.description ?? "",
      ...(command.subtask ? { subtask: true } : {}),
    })),
  );
  v2("/api/provider", "v2.provider.list", "Providers", () =>
    providers().map((provider) => ({
      id: provider.id,
      name: provider.name,
      // No secrets: OpenCode echoes the apiKey in `settings`; moor never sends one to a client.
      api: { type: "aisdk", package: packageOf(provider), url: provider.options.baseURL ?? "", settings: {} },
      request: { headers: {}, body: {} },
    })),
  );
  v2("/api/model", "v2.model.list", "Models", () =>
    providers().flatMap((provider) =>
      Object.values(provider.models).map((model) => ({
        id: model.id,
        providerID: model.providerID,
        name: model.name,
        api: {
          id: model.api.id,
          type: "aisdk",
          package: model.api.npm,
          url: provider.options.baseURL ?? "",
          settings: {},
        },
        capabilities: { tools: model.capabilities.toolcall, input: [], output: [] },
        request: { headers: {}, body: {} },
        variants: [],
        time: { released: 0 },
        cost: [],
        status: model.status,
        enabled: true,
        limit: model.limit,
      })),
    ),
  );
  v2("/api/skill", "v2.skill.list", "Skills (none)", () => []);
  v2("/api/reference", "v2.reference.list", "References (none)", () => []);
  v2("/api/integration", "v2.integration.list", "Provider logins (none: keys come from config)", () => []);
  route(
    ctx,
    {
      method: "get",
      path: "/experimental/workspace/status",
      operationId: "experimental.workspace.status",
      summary: "Workspaces' status (none)",
      tag: "opencode",
    },
    (c) => c.json([]),
  );
}

function packageOf(provider: ListedProvider): string {
  return Object.values(provider.models)[0]?.api.npm ?? "@ai-sdk/openai-compatible";
}
