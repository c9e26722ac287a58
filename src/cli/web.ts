// `moor web --attach URL`: moor's web page for a server that does not serve it (OpenCode's `opencode serve`, or a
// moor server elsewhere), on a loopback port here, its API proxied to URL (cli/web-proxy.ts). The first stdout line
// is `moor web on http://127.0.0.1:PORT` (scripts and tests read it). SIGTERM/SIGINT: close and exit 0.
import type { AddressInfo } from "node:net";
import { MoorClient, MoorClientError } from "../client/index.js";
import { builtWebPage } from "../server/routes/web.js";
import { nodeFetch } from "./node-fetch.js";
import { UsageError } from "./output.js";
import { parsePort } from "./port.js";
import { serverPassword } from "./server-target.js";
import { parseServerUrl } from "./server-url.js";
import { readVersion } from "./version.js";
import { createWebProxy } from "./web-proxy.js";

export interface WebOptions {
  attach?: string;
  port: string;
  password?: string;
}

export default async function web(options: WebOptions): Promise<void> {
  const env = process.env;
  if (!options.attach) throw new UsageError("moor web needs --attach URL (the server whose API the page uses)");
  const upstream = parseServerUrl(options.attach);
  const port = parsePort(options.port);
  const webPage = builtWebPage();
  if (!webPage()) throw new UsageError("moor's web page is not built in this install (npm run build makes dist/web)");
  const password = serverPassword(options.password, env);
  const username = env.MOOR_SERVER_USERNAME;
  await checkUpstream(upstream, password, username);

  const server = createWebProxy({ upstream, password, username, webPage, version: readVersion() });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new UsageError(`cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}`)),
    );
    server.listen(port, "127.0.0.1", resolve);
  });
  const address = server.address() as AddressInfo;
  process.stdout.write(`moor web on http://127.0.0.1:${address.port} (the API of ${upstream.origin})\n`);
  const stop = () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/**
 * The server must answer before the page is offered; a missing password is no reason to refuse, since the browser
 * asks for it (Basic auth passes through the proxy).
 */
async function checkUpstream(upstream: URL, password: string | undefined, username: string | undefined) {
  const client = new MoorClient({
    baseUrl: upstream.toString(),
    password,
    username,
    fetch: nodeFetch as unknown as typeof fetch,
  });
  try {
    await client.health(5000);
  } catch (error) {
    if (error instanceof MoorClientError && error.status === 401 && !password) return;
    if (error instanceof MoorClientError) throw new UsageError(`${upstream.origin}: ${error.message}`);
    throw error;
  }
}
