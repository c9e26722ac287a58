// `moor debug mcp`: the configured MCP servers, each connected once here (status, tools or why it failed), or with
// `--attach` the status a running server reports (GET /mcp). Every child started here ends before it returns.
import { join } from "node:path";
import { McpManager } from "../core/mcp/manager.js";
import type { McpStatus } from "../core/mcp/server-config.js";
import { ToolRegistry } from "../core/tools/registry.js";
import { commandEnv } from "./command-env.js";
import { loadContext } from "./context.js";
import { connect, serverPassword } from "./server-target.js";

export default async function debugMcp(options: { dir?: string; attach?: string; password?: string }): Promise<void> {
  const context = await loadContext({ directory: options.dir });
  if (options.attach) {
    const client = await connect({ url: options.attach, password: serverPassword(options.password, context.env) });
    print(await client.mcpStatus(), () => []);
    return;
  }
  const registry = new ToolRegistry();
  const manager = new McpManager(
    {
      servers: context.config.mcp ?? {},
      env: commandEnv(context.env, context.config, context.providerEnv),
      directory: context.directory,
      childRecords: join(context.paths.data, "mcp-children"),
    },
    registry,
    context.version,
    () => {},
  );
  try {
    manager.start();
    await manager.ready();
    print(manager.status(), (name) => manager.toolNames(name));
  } finally {
    await manager.close();
  }
}

function print(status: Record<string, McpStatus>, toolsOf: (name: string) => string[]): void {
  const names = Object.keys(status);
  if (names.length === 0) {
    process.stdout.write("no MCP servers configured (config key `mcp`)\n");
    return;
  }
  const width = Math.max(...names.map((name) => name.length));
  for (const name of names) {
    const entry = status[name];
    const detail =
      entry.status === "connected"
        ? `connected, ${entry.tools} tool${entry.tools === 1 ? "" : "s"}`
        : entry.status === "failed"
          ? `failed: ${entry.error}`
          : "disabled";
    process.stdout.write(`${name.padEnd(width)}  ${detail}\n`);
    const tools = toolsOf(name);
    if (tools.length > 0) process.stdout.write(`${" ".repeat(width)}  ${tools.join(", ")}\n`);
  }
}
