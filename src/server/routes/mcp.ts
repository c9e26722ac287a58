// The MCP servers of the core (OpenCode's /mcp routes): their status, one added at run time, connecting and
// disconnecting one by name. Adding waits for the server's first attempt, so the answer says whether it connected.
import * as z from "zod";
import { McpAddBody, McpStatusMap } from "../../protocol/mcp.js";
import { type RouteContext, readBody, route } from "../context.js";
import { HttpError } from "../errors.js";

export function mcpRoutes(ctx: RouteContext): void {
  const { core } = ctx.deps;
  route(
    ctx,
    {
      method: "get",
      path: "/mcp",
      operationId: "mcp.status",
      summary: "Get the status of all MCP servers",
      tag: "mcp",
      response: McpStatusMap,
    },
    (c) => c.json(core.mcp.status()),
  );
  route(
    ctx,
    {
      method: "post",
      path: "/mcp",
      operationId: "mcp.add",
      summary: "Add an MCP server (or replace one of that name) and connect it",
      tag: "mcp",
      body: McpAddBody,
      response: McpStatusMap,
    },
    async (c) => {
      const body = await readBody(c, McpAddBody);
      return c.json(await core.mcp.add(body.name, body.config));
    },
  );
  for (const action of ["connect", "disconnect"] as const) {
    route(
      ctx,
      {
        method: "post",
        path: `/mcp/:name/${action}`,
        operationId: `mcp.${action}`,
        summary: action === "connect" ? "Connect an MCP server" : "Disconnect an MCP server (its process ends)",
        tag: "mcp",
        response: z.boolean(),
      },
      async (c) => {
        const name = c.req.param("name") ?? "";
        if (!core.mcp.has(name)) throw new HttpError(404, "not_found", `no MCP server named "${name}"`);
        return c.json(await core.mcp[action](name));
      },
    );
  }
}
