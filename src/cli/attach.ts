// `moor attach [URL]`: the terminal UI on a running server. Detaching closes only this client; turns go on in
// the server. Ink and React load here only, never on other commands' start path.
import { homedir } from "node:os";
import { resolve } from "node:path";
import { MoorClientError } from "../client/index.js";
import { resolvePaths } from "../config/paths.js";
import type { Session } from "../protocol/index.js";
import { UsageError } from "./output.js";
import { connect, DEFAULT_SERVER_URL, daemonUrl, serverPassword } from "./server-target.js";
import { withHttpScheme } from "./server-url.js";

export interface AttachOptions {
  dir: string;
  session?: string;
  password?: string;
}

export default async function attach(url: string | undefined, options: AttachOptions): Promise<void> {
  const env = process.env;
  const target =
    (url === undefined ? undefined : withHttpScheme(url)) ??
    daemonUrl(resolvePaths(env, homedir()).state) ??
    DEFAULT_SERVER_URL;
  const directory = resolve(options.dir);
  const client = await connect({
    url: target,
    password: serverPassword(options.password, env),
    username: env.MOOR_SERVER_USERNAME,
    directory,
    timeoutMs: 5000,
  });
  let initial: Session | undefined;
  try {
    initial = options.session
      ? await client.getSession(options.session)
      : (await client.listSessions()).find((session) => session.directory === directory);
  } catch (error) {
    if (error instanceof MoorClientError && error.status === 404)
      throw new UsageError(`unknown session: ${options.session}`);
    throw error;
  }
  if (!process.stdin.isTTY) throw new UsageError("moor attach needs a terminal (stdin is not a TTY)");
  // Ink draws only the final frame when CI or CONTINUOUS_INTEGRATION is set (it reads them once, on import).
  // A person at a terminal is not a CI log, so those flags must not blank the live UI.
  if (process.stdout.isTTY) {
    delete env.CI;
    delete env.CONTINUOUS_INTEGRATION;
  }
  const [{ render }, { createElement }, { App }] = await Promise.all([
    import("ink"),
    import("react"),
    import("../tui/App.js"),
  ]);
  let farewell: string | undefined;
  let failed = false;
  const instance = render(
    createElement(App, {
      client,
      url: target,
      initialSession: initial,
      giveUpAfterMs: Number(env.MOOR_ATTACH_GIVE_UP_MS ?? 60_000),
      onExit: (message?: string, failure?: boolean) => {
        farewell = message;
        failed = Boolean(failure);
      },
    }),
    { exitOnCtrlC: false },
  );
  await instance.waitUntilExit();
  if (farewell) process.stderr.write(`moor: ${farewell}\n`);
  process.exit(failed ? 1 : 0);
}
