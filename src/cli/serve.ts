// `moor serve`: the long-running server. Prints the URL it listens on as its first stdout line (the daemon and
// tests read it). SIGTERM/SIGINT: stop accepting, tell SSE clients, exit 0 within 5 s. Running turns are not
// aborted: every committed part stays, and the next start marks them interrupted so they can be resumed; the
// permission questions they wait for are closed.
// First: @hono/node-server must find the stand-ins for the fetch classes when it loads (see the module).
import "../server/lazy-fetch-classes.js";
import { maskSecrets } from "../config/mask.js";
import { createFileWatchHub } from "../core/files/watch-hub.js";
import { listProviders, splitModelId } from "../providers/resolve.js";
import { startServer } from "../server/listen.js";
import { builtWebPage } from "../server/routes/web.js";
import { whenOutputCloses } from "./closed-output.js";
import { loadContext, openCore } from "./context.js";
import { keepHeapNearLiveSize } from "./heap.js";
import { heldBackSummary } from "./held-back.js";
import { checkCorsOrigins, checkHostname, checkSocketPath, checkTlsFiles } from "./listen-flags.js";
import { createFileLogger, type LogLevel } from "./logger.js";
import { startNotifier } from "./notifications.js";
import { UsageError } from "./output.js";
import { parsePort } from "./port.js";
import { serveBanner } from "./serve-banner.js";
import { chooseServeRole } from "./serve-role.js";
import { serverTrust } from "./server-trust.js";
import { openChosenStore, storeUrlOf } from "./store-choice.js";
import { COLORS, colorFor, PLAIN } from "./terminal-style.js";

export interface ServeOptions {
  port: string;
  hostname: string;
  mdns?: boolean;
  mdnsDomain: string;
  cors: string[];
  printLogs?: boolean;
  logLevel: LogLevel;
  tlsCert?: string;
  tlsKey?: string;
  socket?: string;
  insecureNoAuth?: boolean;
  model?: string;
  /** A postgres:// URL (cluster mode); else MOOR_STORE_URL, the config's `store`, the SQLite file. */
  store?: string;
  /** all (default) | api | worker: see serve-role.ts. */
  role?: string;
  /** Workers: the directories whose sessions they run (default: the current one). */
  dir?: string[];
  /** Workers: the name to register under (default: host, pid and a random tag). */
  workerId?: string;
}

const SHUTDOWN_DEADLINE_MS = 4500;
const MCP_START_DELAY_MS = 250;

export default async function serve(options: ServeOptions): Promise<void> {
  const port = parsePort(options.port);
  if (Boolean(options.tlsCert) !== Boolean(options.tlsKey)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  // A default model not written provider/model would fail every prompt that uses it: refused at start instead.
  if (options.model !== undefined) splitModelId(options.model);
  if (options.tlsCert && options.tlsKey) await checkTlsFiles(options.tlsCert, options.tlsKey);
  if (options.socket) checkSocketPath(options.socket);
  checkCorsOrigins(options.cors);
  checkHostname(options.hostname);
  const context = await loadContext({ model: options.model });
  const storeUrl = storeUrlOf(context, options.store);
  const role = chooseServeRole(options.role, storeUrl);
  const { logger, file: logFile } = createFileLogger({
    logDir: context.paths.log,
    level: options.logLevel,
    printLogs: Boolean(options.printLogs),
    now: new Date(),
  });
  if (role === "worker") {
    const { serveWorker } = await import("./cluster/serve-worker.js");
    return serveWorker(
      context,
      { storeUrl: storeUrl as string, directories: options.dir, workerId: options.workerId },
      logger,
    );
  }
  const opened = await openChosenStore(
    context,
    options.store,
    role === "api" ? (await import("./cluster/api-node.js")).apiStoreChoices(context) : {},
  );
  const store = opened.store;
  // An API node runs no turns: they go to workers, and its event stream is the cluster's log (cluster/api-node.ts).
  const cluster =
    role === "api" ? await (await import("./cluster/api-node.js")).apiNodeRole(context, opened) : undefined;
  const core = await openCore(context, store, {
    cluster: cluster?.role,
    configLog: { warn: (message) => logger.warn(message), notice: (message) => logger.info(message) },
    onListenerError: (err, envelope) =>
      logger.error({ err, event: envelope.event.type, seq: envelope.seq }, "an event listener failed"),
    onTitleError: (err, sessionID) => logger.warn({ err, sessionID }, "the session's title was not written"),
    onHookFailure: (message) => logger.warn(message),
  });
  const password = context.env.MOOR_SERVER_PASSWORD ?? context.env.OPENCODE_SERVER_PASSWORD;
  let server: Awaited<ReturnType<typeof startServer>>;
  // Webhooks and desktop notifications (README "Notifications"); links point at the URL the server listens on.
  let baseUrl = "";
  const notifier = startNotifier(
    context,
    core,
    store,
    { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
    () => baseUrl,
    cluster?.claimNotification,
  );
  const fileWatch = createFileWatchHub({ bus: core.bus, log: logger, neverWatch: [context.home, "/"] });
  // An API node follows the cluster's events, and knows which sessions are busy (their workers hold leases), before
  // it answers anything: a first GET /session/status must not find a running session idle (after the listeners
  // above, so they see every event it announces).
  if (cluster) core.sessions.seedBusy(await cluster.follow());
  try {
    server = await startServer({
      core,
      version: context.version,
      auth: password ? { password, username: context.env.MOOR_SERVER_USERNAME } : undefined,
      cors: options.cors,
      paths: { ...context.paths },
      home: context.home,
      config: () => maskSecrets(context.config),
      providers: () => listProviders(context.config),
      trust: serverTrust(context),
      webPage: builtWebPage(),
      defaultDirectory: context.directory,
      fileWatch,
      notify: notifier,
      olderEvents: cluster?.olderEvents,
      logger,
      hostname: options.hostname,
      port,
      socket: options.socket,
      tls: options.tlsCert && options.tlsKey ? { cert: options.tlsCert, key: options.tlsKey } : undefined,
      insecureNoAuth: options.insecureNoAuth,
      mdns: options.mdns,
      mdnsDomain: options.mdnsDomain,
    });
  } catch (error) {
    notifier.close();
    await core.shutdown();
    opened.closeNow();
    throw new UsageError((error as Error).message);
  }
  baseUrl = server.url;
  process.stdout.write(`moor listening on ${server.url}\n`);
  const banner = serveBanner(
    {
      url: server.url,
      model: context.config.model,
      configFiles: context.configSources,
      logFile,
      auth: {
        password: Boolean(password),
        username: context.env.MOOR_SERVER_USERNAME,
        insecureNoAuth: options.insecureNoAuth,
        socket: Boolean(options.socket),
      },
      interrupted: core.interrupted,
      webPage: true,
    },
    colorFor(process.stdout, context.env) ? COLORS : PLAIN,
  );
  process.stdout.write(`${banner.join("\n")}\n`);
  // A server outlives whoever read that line: a closed stdout is no reason to stop serving.
  whenOutputCloses(() => {});
  keepHeapNearLiveSize();
  if (core.interrupted.length > 0) {
    logger.warn({ sessions: core.interrupted }, "turns interrupted by the previous run were marked interrupted");
  }
  logger.info({ url: server.url, version: context.version }, "server started");
  if (context.heldBack.length > 0) logger.warn({ heldBack: context.heldBack }, heldBackSummary(context));
  if (!cluster) {
    // The owner lock its turns will record, taken now rather than on the first prompt's path.
    setImmediate(() => opened.prepareOwner());
    // MCP servers connect in the background, a moment after the server answers: loading the SDK and spawning the
    // servers must not hold up cold start or the first requests (a client's health check and session list).
    setTimeout(() => core.mcp.start(), MCP_START_DELAY_MS);
  }

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    const deadline = setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    // Questions the running turns wait for go with this process (announced before clients are told goodbye);
    // the turns themselves are marked interrupted by the next start, and a resume asks again.
    void core.gate.closeOwned().catch(() => {});
    context.configs.close();
    // Deliveries still waiting stay in the data directory for the next start.
    notifier.close();
    // Every MCP child ends with the server (those of a killed server end at the next start). Language servers run
    // in process groups of their own: stopped here, or they would outlive this process.
    await Promise.all([server.close(), core.mcp.close(), core.lsp?.close().catch(() => {}), fileWatch.close()]);
    if (Object.keys(core.sessions.allStatuses()).length === 0) opened.closeNow();
    logger.flush?.();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
