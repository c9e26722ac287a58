// The names MCP tools and prompts reach the model and the user by, as OpenCode names them: `<server>_<tool>` and
// `<server>:<prompt>`, every character other than letters, digits, `_` and `-` made `_` (providers refuse others).

export function sanitizeMcpName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_-]/g, "_");
}

export function mcpToolName(server: string, tool: string): string {
  return `${sanitizeMcpName(server)}_${sanitizeMcpName(tool)}`;
}

export function mcpPromptName(server: string, prompt: string): string {
  return `${sanitizeMcpName(server)}:${sanitizeMcpName(prompt)}`;
}
