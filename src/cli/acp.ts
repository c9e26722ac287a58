// `moor acp`: the Agent Client Protocol on stdin/stdout for editors. stdout is the protocol: nothing else is
// written there. Exits 0 when stdin closes, after stopping running turns and closing the database; on SIGTERM,
// SIGINT or SIGHUP (128 + signal) after closing the permission questions it asked.
// The connection is served first and the config, store and core load behind it (acp/deferred-backend.ts), with
// their modules imported lazily: an editor starts one agent per window and waits for `initialize` (issue 18 §5).
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { Readable, Writable } from "node:stream";
import type { AcpModel } from "../acp/agent.js";
import type { AcpBackend } from "../acp/backend.js";
import type { EditorFileSystem } from "../core/tools/tool.js";
import { keepHeapNearLiveSize } from "./heap.js";
import { heldBackSummary } from "./held-back.js";
import { checkHostname } from "./listen-flags.js";
import { listenerErrorToStderr } from "./listener-error.js";
import type { CliContext } from "./load-context.js";
import { fail, UsageError } from "./output.js";
import { parsePort } from "./port.js";
import { serverPassword } from "./server-password.js";
import { parseServerUrl } from "./server-url.js";
import { readVersion } from "./version.js";

/** OpenCode's config says a model reads images with `attachment: true` or `modalities.input` naming "image". */
function takesImages(model: Record<string, unknown>): boolean {
  const input = (model.modalities as { input?: unknown } | undefined)?.input;
  return model.attachment === true || (Array.isArray(input) && input.includes("image"));
}

export interface AcpOptions {
  cwd: string;
  port?: string;
  hostname: string;
  attach?: string;
  password?: string;
  model?: string;
}

export default async function acp(options: AcpOptions): Promise<void> {
  // Flags are checked before the connection is served: a mistyped one fails the command at once, in one line,
  // instead of leaving the editor an agent whose every request fails.
  const port = options.port === undefined ? undefined : parsePort(options.port);
  if (port !== undefined) checkHostname(options.hostname);
  if (options.attach !== undefined) parseServerUrl(options.attach);
  // Sessions the editor makes without a cwd of its own are made here: a missing one would fail at every tool.
  if (!statSync(resolve(options.cwd), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--cwd ${options.cwd} is not a directory`);
  }
  const editorFs = new Map<string, EditorFileSystem>();
  let cleanup = async () => {};
  const contextReady = import("./load-context.js").then(({ loadContext }) =>
    loadContext({ directory: options.cwd, model: options.model }),
  );
  const models = contextReady.then(configuredModels, () => []);
  // `initialize` is answered as soon as the config is read, before the SDK and the core load (issue 18 §5).
  const { earlyInitialize } = await import("../acp/early-initialize.js");
  const { initializeResult } = await import("../acp/initialize-result.js");
  const io = earlyInitialize(
    {
      input: Readable.toWeb(process.stdin) as ReadableStream<Uint8Array>,
      output: Writable.toWeb(process.stdout) as WritableStream<Uint8Array>,
    },
    async () =>
      initializeResult({
        version: readVersion(),
        imageInput: (await models).some((model) => model.imageInput),
        // As the deferred backend below: it forks, and it starts the editor's MCP servers unless attached.
        fork: true,
        sessionMcpServers: !options.attach,
      }),
    (message) => process.stderr.write(`moor: ${message}\n`),
  );
  // The SDK and the core load once the config is read and an initialize waiting for it has been answered (its turn
  // comes first: setImmediate): their loading holds the one thread, and the editor is waiting for that answer.
  const loadRest = models.then(() => new Promise<void>((resolve) => setImmediate(resolve)));
  const backendReady = loadRest.then(async () => {
    const context = await contextReady;
    const started = await startBackend(options, port, context, editorFs);
    cleanup = started.cleanup;
    return started.backend;
  });
  // A config or store that cannot be opened: its one line on stderr (the editor's log), each session request
  // answers with it as a JSON-RPC error, and the command exits non-zero when the editor closes it. (Handled at
  // once: the rejection may come while the ACP modules are still loading.)
  backendReady.catch(fail);
  await loadRest;
  const { serveAcp } = await import("../acp/agent.js");
  const { deferredBackend } = await import("../acp/deferred-backend.js");
  const backend = deferredBackend(backendReady, { sessionMcpServers: !options.attach });
  const connection = serveAcp(
    { backend, version: readVersion(), defaultCwd: resolve(options.cwd), editorFs, models },
    { input: io.input, output: io.output },
  );
  keepHeapNearLiveSize();
  await connection.closed.catch(() => {});
  await backend.close();
  await cleanup();
  process.exit(process.exitCode ?? 0);
}

/** Moor in this process (its store and core), or in front of a server with --attach. */
async function startBackend(
  options: AcpOptions,
  port: number | undefined,
  context: CliContext,
  editorFs: Map<string, EditorFileSystem>,
): Promise<{ backend: AcpBackend; cleanup: () => Promise<void> }> {
  // No terminal to ask on (stdio is the editor's): the editor's log says what was held back.
  if (!context.trusted && context.heldBack.length > 0) process.stderr.write(`moor: ${heldBackSummary(context)}\n`);
  let backend: AcpBackend;
  let cleanup = async () => {};
  if (options.attach) {
    const { remoteBackend } = await import("../acp/remote-backend.js");
    backend = remoteBackend({ url: options.attach, password: serverPassword(options.password, context.env) });
  } else {
    const { localBackend } = await import("../acp/local-backend.js");
    const { openCore, openStore } = await import("./context.js");
    const store = openStore(context);
    const core = await openCore(context, store, {
      editorFs: (sessionID) => editorFs.get(sessionID),
      onListenerError: listenerErrorToStderr(process.stderr),
    });
    backend = localBackend(core);
    // In the background: the editor's initialize does not wait for MCP servers.
    setImmediate(() => core.mcp.start());
    let stopServer = async () => {};
    if (port !== undefined) {
      const { startServer } = await import("../server/listen.js");
      const { listProviders } = await import("../providers/resolve.js");
      const password = serverPassword(undefined, context.env);
      const server = await startServer({
        core,
        version: context.version,
        auth: password ? { password, username: context.env.MOOR_SERVER_USERNAME } : undefined,
        defaultDirectory: context.directory,
        providers: () => listProviders(context.config),
        hostname: options.hostname,
        port,
      });
      process.stderr.write(`moor: HTTP API on ${server.url}\n`);
      stopServer = () => server.close();
    }
    cleanup = async () => {
      await stopServer();
      store.closeNow();
    };
    // An editor that stops its agent with a signal: the questions this process asked are closed and announced
    // (no client keeps showing them); the turns they belong to are marked interrupted at the next start.
    const endWith = (code: number) => () => {
      void core.gate.closeOwned().catch(() => {});
      // MCP children are ended and waited for (no zombie left to an init that may not reap), within a deadline;
      // past it they are killed on the way out (child-records.ts); what a kill -9 leaves, the next start ends.
      const exit = () => {
        store.closeNow();
        process.exit(code);
      };
      setTimeout(exit, 3000).unref();
      void core.mcp.close().then(exit, exit);
    };
    process.once("SIGTERM", endWith(143));
    process.once("SIGINT", endWith(130));
    process.once("SIGHUP", endWith(129));
  }
  return { backend, cleanup };
}

function configuredModels(context: CliContext): AcpModel[] {
  return Object.entries(context.config.provider ?? {}).flatMap(([providerID, provider]) =>
    Object.entries(provider.models ?? {}).map(([modelID, model]) => ({
      id: `${providerID}/${modelID}`,
      name: model.name ?? modelID,
      contextWindow: model.limit?.context,
      imageInput: takesImages(model),
    })),
  );
}
