// The tools and prompt of the test MCP servers (stdio and HTTP), written with the SDK's McpServer as a real server
// would be: `echo` answers with its input and the server's pid, `hang` never answers, `add_tool` adds a tool
// (the SDK then sends notifications/tools/list_changed), `greet` is a prompt.
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import * as z from "zod";

export function buildServer(label) {
  const server = new McpServer({ name: `moor-test-${label}`, version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Echoes the text back.", inputSchema: { text: z.string().describe("what to echo") } },
    async ({ text }) => ({ content: [{ type: "text", text: `${label} echo: ${text} (pid ${process.pid})` }] }),
  );
  server.registerTool("hang", { description: "Never answers.", inputSchema: {} }, () => new Promise(() => {}));
  server.registerTool(
    "add_tool",
    { description: "Adds a tool named by `name`.", inputSchema: { name: z.string() } },
    async ({ name }) => {
      server.registerTool(name, { description: `Added at run time: ${name}.`, inputSchema: {} }, async () => ({
        content: [{ type: "text", text: `${name} ran` }],
      }));
      return { content: [{ type: "text", text: `added ${name}` }] };
    },
  );
  server.registerPrompt("greet", { description: "Greets someone.", argsSchema: { name: z.string() } }, ({ name }) => ({
    messages: [{ role: "user", content: { type: "text", text: `Say hello to ${name}.` } }],
  }));
  return server;
}
