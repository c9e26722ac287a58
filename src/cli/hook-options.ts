// What core's hook commands need from the outside world: each directory's `hooks` config (a project's own only once
// the directory is trusted: config/untrusted-project.ts holds it back before) and the environment commands run with,
// moor's secrets held back (command-env.ts).
import type { CoreOptions } from "../core/index.js";
import { commandEnv } from "./command-env.js";
import type { CliContext } from "./context.js";

export function hookOptionsFor(
  context: CliContext,
  onFailure: (message: string) => void = (message) => process.stderr.write(`moor: warning: ${message}\n`),
): Pick<CoreOptions, "commandHooks"> {
  return {
    commandHooks: {
      config: (directory) => {
        try {
          return context.configs.get(directory).config.hooks;
        } catch {
          // DirectoryConfigs said why, once: a directory whose config cannot be read runs no hooks.
          return undefined;
        }
      },
      env: () => commandEnv(context.env, context.config, context.providerEnv),
      onFailure: (message) => onFailure(message),
    },
  };
}
