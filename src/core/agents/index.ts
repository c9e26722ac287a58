export type { AgentDefinition, AgentLimits } from "./agent.js";
export { BUILTIN_AGENTS, DEFAULT_AGENT } from "./builtin.js";
export { type AgentOverride, AgentRegistry, type AgentRegistryOptions } from "./registry.js";
export { toWireAgent } from "./wire.js";
