// An MCP server's tool as one of moor's tools: named `<server>_<tool>`, offered with the server's own input schema,
// asked for under its name as the permission key (allowed unless a rule says otherwise, as in OpenCode), cancelled
// at the server's timeout. Whatever goes wrong becomes the tool's error for the model to read; nothing hangs.
import type { JSONSchema7 } from "@ai-sdk/provider";
import type { CallToolResult, Tool } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod";
import { type ToolDefinition, ToolError } from "../tools/tool.js";
import { type McpConnection, McpUnavailableError } from "./connection.js";
import { mcpToolName } from "./tool-names.js";

/** The SDK's code for a request that ran past its timeout (it then sends `notifications/cancelled`). */
const REQUEST_TIMEOUT = -32001;

const AnyObject = z.record(z.string(), z.unknown());

export function mcpToolDefinition(server: string, tool: Tool, connection: McpConnection): ToolDefinition {
  const name = mcpToolName(server, tool.name);
  return {
    name,
    description: tool.description ?? tool.title ?? `${tool.name} (MCP server ${server})`,
    parameters: AnyObject,
    inputSchema: { ...tool.inputSchema, type: "object", properties: tool.inputSchema.properties ?? {} } as JSONSchema7,
    async execute(input: Record<string, unknown>, ctx) {
      await ctx.ask({ permission: name, patterns: ["*"], always: ["*"], unruled: "allow", metadata: { server } });
      let result: CallToolResult;
      try {
        result = await connection.callTool(tool.name, input, ctx.abort);
      } catch (error) {
        if (error instanceof McpUnavailableError) throw new ToolError(error.message);
        if ((error as { code?: unknown }).code === REQUEST_TIMEOUT) {
          throw new ToolError(
            `The MCP tool ${name} did not answer within ${connection.timeout} ms and was cancelled (the server's timeout).`,
          );
        }
        throw new ToolError(`MCP server "${server}" failed the call: ${(error as Error).message}`);
      }
      const output = resultText(result);
      if (result.isError) throw new ToolError(output || `The MCP tool ${name} failed.`);
      return { title: tool.title ?? tool.name, output, metadata: { server, tool: tool.name } };
    },
  };
}

/** The result's content as text: text as it is, resources by their text or URI, images and audio named. */
function resultText(result: CallToolResult): string {
  const pieces: string[] = [];
  for (const item of result.content ?? []) {
    if (item.type === "text") pieces.push(item.text);
    else if (item.type === "resource") {
      const resource = item.resource as { uri: string; text?: string };
      pieces.push(resource.text ?? `[resource ${resource.uri}]`);
    } else if (item.type === "resource_link") pieces.push(`[resource ${item.uri}]`);
    else if (item.type === "image" || item.type === "audio") pieces.push(`[${item.type} ${item.mimeType}]`);
  }
  if (pieces.length === 0 && result.structuredContent) pieces.push(JSON.stringify(result.structuredContent));
  return pieces.join("\n");
}
