// `moor serve --role worker`: a cluster worker (issue 20 §2). No HTTP listener: it runs the turns of the sessions in
// the directories it serves (--dir, repeatable; default the current directory), taking their commands from the
// PostgreSQL store (cluster/worker.ts). Prints `moor worker <id> serving <dirs>` as its first stdout line.
// SIGTERM/SIGINT: stops taking work, releases the leases of idle sessions and exits; a turn still running is taken
// over and resumed by another worker once its lease lapses.
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { resolve } from "node:path";
import type { CliContext } from "../context.js";
import { openCore } from "../context.js";
import type { createFileLogger } from "../logger.js";
import { UsageError } from "../output.js";
import { redact } from "../store-choice.js";
import { exitOnLostStore, idleInTransactionMs, inboxSweepFrom, leaseMsFrom } from "./cluster-settings.js";
import { leaseBook, leaseFencedStore } from "./lease-fenced-store.js";
import { ClusterWorker } from "./worker.js";

type Logger = ReturnType<typeof createFileLogger>["logger"];

const SHUTDOWN_DEADLINE_MS = 4500;
const MCP_START_DELAY_MS = 250;

export interface WorkerOptions {
  storeUrl: string;
  directories?: string[];
  workerId?: string;
}

export async function serveWorker(context: CliContext, options: WorkerOptions, logger: Logger): Promise<void> {
  const leaseMs = leaseMsFrom(context.env);
  const inboxSweep = inboxSweepFrom(context.env);
  const directories = (options.directories?.length ? options.directories : [context.directory]).map((dir) =>
    resolve(context.directory, dir),
  );
  const workerID = options.workerId ?? `${hostname()}-${process.pid}-${randomBytes(3).toString("hex")}`;
  if (!/^[\w.@:-]{1,128}$/.test(workerID)) throw new UsageError(`invalid --worker-id ${workerID}`);
  const { PostgresStore } = await import("../../storage/postgres-store.js");
  const store = await PostgresStore.open(options.storeUrl, {
    onError: (error) => {
      logger.error({ err: error }, "the PostgreSQL connection failed");
      logger.flush?.();
      exitOnLostStore(error);
    },
    idleInTransactionMs: idleInTransactionMs(leaseMs),
    // The API nodes announce this worker's events from the notifications, without reading them back.
    notifyEvents: true,
  }).catch((error: Error) => {
    throw new UsageError(`cannot open the store ${redact(options.storeUrl)}: ${error.message}`);
  });
  const book = leaseBook();
  const fenced = leaseFencedStore(store, book);
  const core = await openCore(context, fenced, {
    configLog: { warn: (message) => logger.warn(message), notice: (message) => logger.info(message) },
    onListenerError: (err, envelope) =>
      logger.error({ err, event: envelope.event.type, seq: envelope.seq }, "an event listener failed"),
    onTitleError: (err, sessionID) => logger.warn({ err, sessionID }, "the session's title was not written"),
    onHookFailure: (message) => logger.warn(message),
    cluster: {
      // Statuses and hints join the stored events in the log, fenced like every write of this worker. A status
      // shares the transaction of the commit that follows it (a turn's first step, the end-of-turn touch) instead
      // of costing one of its own ahead of the turn's reads.
      relay: (type, properties, scope) =>
        void (
          type === "session.status"
            ? store.commit(scope, (tx) => tx.emit(type, properties), {
                fence: scope.sessionID === undefined ? undefined : book.fenceFor(scope.sessionID),
                defer: true,
              })
            : fenced.commit(scope, (tx) => tx.emit(type, properties))
        ).catch((error: Error) => {
          logger.debug({ err: error.message, type }, "an event was not relayed");
        }),
      skipRecovery: true,
      // The worker records a turn's result in the transaction of its end-of-turn commits (ClusterWorker.finish).
      settleWithIdle: true,
    },
  });
  const worker = new ClusterWorker({
    store,
    core,
    book,
    workerID,
    host: hostname(),
    directories,
    leaseMs,
    inboxSweepMs: inboxSweep.everyMs,
    keepFinishedMs: inboxSweep.keepMs,
    now: Date.now,
    log: { info: (message) => logger.info(message), warn: (message) => logger.warn(message) },
  });
  await store.owners.prepare();
  await worker.start();
  process.stdout.write(`moor worker ${workerID} serving ${directories.join(", ")}\n`);
  logger.info({ workerID, directories, leaseMs, store: redact(options.storeUrl) }, "worker started");
  setTimeout(() => core.mcp.start(), MCP_START_DELAY_MS);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "worker shutting down");
    const deadline = setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    await worker.stop().catch(() => {});
    context.configs.close();
    await Promise.all([core.mcp.close(), core.lsp?.close().catch(() => {})]);
    logger.flush?.();
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}
