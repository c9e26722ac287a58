// A real MCP server over stdio, run as a child process by the tests (node test/fakes/mcp-stdio-server.mjs [label]).
// It writes its pid to $MCP_PID_FILE when set, so a test can check it is gone. It does not exit when its stdin
// closes (as some real servers do not): moor must end it.
import { appendFileSync } from "node:fs";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { buildServer } from "./mcp-tools.mjs";

const label = process.argv[2] ?? "stdio";
if (process.env.MCP_PID_FILE) appendFileSync(process.env.MCP_PID_FILE, `${process.pid}\n`);
setInterval(() => {}, 1 << 30);
await buildServer(label).connect(new StdioServerTransport());
