// Where moor keeps things (XDG layout), computed from the environment and home directory passed in.
import { join } from "node:path";

export interface MoorPaths {
  config: string;
  data: string;
  state: string;
  log: string;
  db: string;
  /** The projects' shadow git repositories (core/snapshots/). */
  snapshot: string;
}

export function resolvePaths(env: Record<string, string | undefined>, home: string): MoorPaths {
  const config = env.MOOR_CONFIG_DIR || env.OPENCODE_DIR || join(env.XDG_CONFIG_HOME || join(home, ".config"), "moor");
  const data = env.MOOR_DATA_DIR || join(env.XDG_DATA_HOME || join(home, ".local", "share"), "moor");
  const state = env.MOOR_STATE_DIR || join(env.XDG_STATE_HOME || join(home, ".local", "state"), "moor");
  return { config, data, state, log: join(data, "log"), db: join(data, "moor.db"), snapshot: join(data, "snapshot") };
}
