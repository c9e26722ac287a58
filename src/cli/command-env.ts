// The environment the agent's commands run with: the user's own, minus the secrets moor itself holds (the server's
// password and username, the provider keys it read), because a command's output is stored, exported and sent to
// the model. A variable named in `shellEnv.passthrough` is kept all the same: the user's explicit choice.
import type { MoorConfig } from "../config/schema.js";
import type { Env } from "./context.js";

/** Always held back unless passed through: the server's credentials and the built-in providers' keys. */
const HELD_BACK = [
  "MOOR_SERVER_PASSWORD",
  "OPENCODE_SERVER_PASSWORD",
  "MOOR_SERVER_USERNAME",
  "OPENCODE_SERVER_USERNAME",
  "OPENAI_API_KEY",
  "ANTHROPIC_API_KEY",
];

export function commandEnv(env: Env, config: MoorConfig, providerEnv: string[]): Record<string, string> {
  const passthrough = new Set(config.shellEnv?.passthrough ?? []);
  const heldBack = new Set([...HELD_BACK, ...providerEnv].filter((name) => !passthrough.has(name)));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && !heldBack.has(name)) out[name] = value;
  }
  return out;
}
