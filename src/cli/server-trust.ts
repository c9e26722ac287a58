// The server's side of GET/POST /trust: the state of its project directory, and trusting it, which reloads the
// config in place (permissions, GET /config and the next model resolution use the new one; no restart).
import { ConfigError } from "../config/errors.js";
import { realDirectory } from "../config/trust.js";
import type { TrustState } from "../protocol/trust.js";
import { type CliContext, trustAndReload } from "./context.js";

export function serverTrust(context: CliContext): {
  state(): TrustState;
  trust(directory?: string): Promise<TrustState>;
} {
  const state = (): TrustState => ({
    directory: context.directory,
    trusted: context.trusted,
    heldBack: context.heldBack,
  });
  return {
    state,
    async trust(directory) {
      if (directory !== undefined && realDirectory(directory) !== realDirectory(context.directory)) {
        throw new ConfigError(
          `this server loads the config of ${context.directory} only; trust ${directory} with \`moor trust\``,
        );
      }
      await trustAndReload(context);
      return state();
    },
  };
}
