// What core's formatters and language servers need from the outside world: each directory's `formatter` and `lsp`
// config and trust, the PATH, the commands' environment (secrets held back), moor's own programs, the record of
// started servers in the data folder, and the idle time (MOOR_LSP_IDLE_MS, default 5 minutes).
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CoreOptions } from "../core/index.js";
import { LspChildRecord } from "../core/lsp/child-record.js";
import { commandEnv } from "./command-env.js";
import type { CliContext } from "./context.js";

/** moor's root (dist/cli/ or src/cli/ is two levels below it). */
const MOOR_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

export function afterEditOptions(context: CliContext): Pick<CoreOptions, "formatters" | "lsp"> {
  const config = (directory: string) => context.configs.get(directory);
  const trusted = (directory: string) => {
    try {
      return config(directory).trusted;
    } catch {
      return false;
    }
  };
  const env = () => commandEnv(context.env, context.config, context.providerEnv);
  const idle = Number(context.env.MOOR_LSP_IDLE_MS);
  return {
    formatters: {
      settings: (directory) => safe(() => config(directory).config.formatter),
      trusted,
      path: context.env.PATH,
      env,
    },
    lsp: {
      settings: (directory) => safe(() => config(directory).config.lsp),
      trusted,
      path: context.env.PATH,
      // moor's own node_modules/.bin, and the one above it when moor is installed as a dependency.
      ownBins: [join(MOOR_ROOT, "node_modules", ".bin"), join(MOOR_ROOT, "..", ".bin")],
      env,
      idleMs: Number.isFinite(idle) && idle > 0 ? idle : undefined,
      record: new LspChildRecord(join(context.paths.data, "lsp-children.json"), process.pid),
    },
  };
}

/** A directory whose config cannot be read gets no formatter or server (DirectoryConfigs said why, once). */
function safe<T>(read: () => T): T | false {
  try {
    return read();
  } catch {
    return false;
  }
}
