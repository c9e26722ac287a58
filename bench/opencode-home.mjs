// A home for OpenCode that keeps it offline, shared by the benches that run it beside moor (run.mjs, acp-start.mjs).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Writes `config` as OpenCode's global config under `home` and returns the env to start it with. */
export function opencodeEnv(home, config) {
  mkdirSync(join(home, ".config", "opencode"), { recursive: true });
  writeFileSync(
    join(home, ".config", "opencode", "opencode.json"),
    JSON.stringify({ ...config, autoupdate: false, share: "disabled" }),
  );
  // OpenCode's own switches keep it off the network (model lists, plugins, updates): without them it waits on
  // downloads that never come here, and its start figures measure that instead of its start.
  return {
    ...process.env,
    HOME: home,
    XDG_CONFIG_HOME: join(home, ".config"),
    XDG_DATA_HOME: join(home, ".local/share"),
    XDG_CACHE_HOME: join(home, ".cache"),
    XDG_STATE_HOME: join(home, ".local/state"),
    OPENCODE_DISABLE_AUTOUPDATE: "1",
    OPENCODE_DISABLE_MODELS_FETCH: "1",
    OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
    OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
    OPENCODE_DISABLE_SHARE: "1",
  };
}
