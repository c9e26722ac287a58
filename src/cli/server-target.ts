// Which server a client command talks to, and with what password: the URL given, else the local daemon's (from
// its PID file), else the default address.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MoorClient, MoorClientError } from "../client/index.js";
import { nodeFetch } from "./node-fetch.js";
import { UsageError } from "./output.js";
import { parseServerUrl } from "./server-url.js";

export { DEFAULT_SERVER_URL } from "./server-url.js";

/** What to do when no server answers: said with every "cannot reach". */
export const START_HINT = "start one with `moor serve` (in the foreground) or `moor daemon start` (in the background)";
/** Where `moor daemon start` records the running server: `{pid, url, startedAt, ...}`. */
export const DAEMON_FILE = "daemon.json";

export function daemonUrl(stateDir: string): string | undefined {
  try {
    const info = JSON.parse(readFileSync(join(stateDir, DAEMON_FILE), "utf8")) as { url?: string };
    // A daemon that never came up (a crash loop) leaves its record with an empty url: there is no daemon to reach.
    return info.url || undefined;
  } catch {
    return undefined;
  }
}

export { serverPassword } from "./server-password.js";

/** A client whose server has answered /global/health, or a one-line UsageError within `timeoutMs`. */
export async function connect(options: {
  url: string;
  password?: string;
  username?: string;
  directory?: string;
  timeoutMs?: number;
}): Promise<MoorClient> {
  const base = parseServerUrl(options.url);
  const client = new MoorClient({
    baseUrl: base.toString(),
    password: options.password,
    username: options.username,
    directory: options.directory,
    fetch: nodeFetch as unknown as typeof fetch,
  });
  try {
    await client.health(options.timeoutMs ?? 5000);
  } catch (error) {
    if (error instanceof MoorClientError && error.code === "unreachable") {
      throw new UsageError(`${error.message}; is a moor server running? ${START_HINT}`);
    }
    if (error instanceof MoorClientError) throw new UsageError(`${options.url}: ${error.message}`);
    throw error;
  }
  return client;
}
