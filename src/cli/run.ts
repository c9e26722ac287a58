// `moor run "message"`: one turn in-process (the database is shared with any server), or with --attach, sent to a
// running server. Exit 0 when the turn ends well; one line on stderr and exit 1 otherwise; Ctrl+C (also at a
// permission question), SIGTERM or SIGHUP abort the turn (exit 130, 143, 129); a closed stdout (`| head`) aborts it
// quietly with exit 0. Whichever way the process ends, no question it asked stays pending.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import type { PromptResult, SessionService } from "../core/session.js";
import type { Session } from "../protocol/index.js";
import { whenOutputCloses } from "./closed-output.js";
import { listenerErrorToStderr } from "./listener-error.js";
import { UsageError } from "./output.js";
import { isHostPort } from "./server-url.js";
import { askOnTerminal, terminalPrinter } from "./turn-printer.js";

/** How long `moor run` waits for MCP servers to connect before its prompt starts. */
const MCP_WAIT_MS = 15_000;

export interface RunOptions {
  attach?: string | boolean;
  model?: string;
  agent?: string;
  session?: string;
  continue?: boolean;
  dir: string;
  format: "default" | "json";
  yes?: boolean;
  detach?: boolean;
  /** With --attach: a one-off notification when the turn ends, sent by the server (true: desktop; a URL: a POST). */
  notify?: string | boolean;
  follow?: boolean;
  resume?: boolean;
  password?: string;
  /** With --attach and no terminal: seconds to wait for another client to answer a question (true: the default). */
  waitPermission?: string | boolean;
}

/** `--attach` takes an optional URL, so `--attach "fix it"` would read the message as one: tell them apart. */
function looksLikeServerAddress(value: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(value) || isHostPort(value) || value.startsWith("unix:");
}

export default async function run(messageWords: string[], options: RunOptions): Promise<void> {
  // `-s ""` (an unset variable in a script) would otherwise start a new session without a word.
  if (options.session === "") throw new UsageError("--session needs a session id (see moor session list)");
  if (typeof options.attach === "string" && !looksLikeServerAddress(options.attach)) {
    messageWords.unshift(options.attach);
    options.attach = true;
  }
  if (typeof options.notify === "string" && !/^https?:\/\//i.test(options.notify)) {
    // `--notify "fix it"`: the words are the message, and the notification is the desktop one.
    messageWords.unshift(options.notify);
    options.notify = true;
  }
  if (options.attach !== undefined && options.attach !== false) {
    const { runAttached } = await import("./run-attach.js");
    return runAttached(messageWords, options);
  }
  const message = messageWords.join(" ").trim();
  if (!message && !options.resume)
    throw new UsageError('nothing to send: give a message, e.g. moor run "fix the tests"');
  if (options.detach) throw new UsageError("--detach needs --attach URL (a server to run the turn in)");
  if (options.follow) throw new UsageError("--follow needs --attach URL and --session ID (a turn running in a server)");
  if (options.notify !== undefined) throw new UsageError("--notify needs --attach (the server sends it)");
  if (options.waitPermission !== undefined) {
    throw new UsageError("--wait-permission needs --attach (another client of the server answers)");
  }
  // The turn's tools run in this directory: a mistyped one is refused before a session is made for it.
  if (!statSync(resolve(options.dir), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`not a directory: ${options.dir}`);
  }
  // Loaded here, not at the top: `run --attach` needs none of the in-process agent (config, SQLite, core).
  const { loadContext, openCore } = await import("./context.js");
  const context = await loadContext({ directory: options.dir, model: options.model });
  if (!context.trusted && context.heldBack.length > 0) {
    const { offerTrust } = await import("./trust-prompt.js");
    await offerTrust(context, { stdin: process.stdin, stderr: process.stderr });
  }
  const { openChosenStore } = await import("./store-choice.js");
  const { store } = await openChosenStore(context);
  const core = await openCore(context, store, {
    autoApprove: options.yes,
    onListenerError: listenerErrorToStderr(process.stderr),
  });
  // One prompt, so its first step should have the MCP servers' tools: each gets its first attempt (a failure is
  // the tools' error, as in a server), for a while; a server still connecting after it joins a later step.
  core.mcp.start();
  await Promise.race([core.mcp.ready(), new Promise((resolve) => setTimeout(resolve, MCP_WAIT_MS).unref())]);
  try {
    // Checked before a session is picked or created: a wrong name leaves nothing behind.
    if (options.agent !== undefined && !core.agents.get(options.agent))
      throw unknownAgent(options.agent, core.agents.list());
    const { session, created } = await pickSession(core.sessions, context.directory, options);
    const printer = terminalPrinter(options.format, session.id);
    core.bus.subscribe(
      (envelope) => {
        printer.handle(envelope.event);
        if (envelope.event.type === "permission.asked") {
          const request = envelope.event.properties;
          // Ctrl+C at the question is the process's SIGINT (below); then there is no answer to give.
          void askOnTerminal(request, { stdin: process.stdin, stderr: process.stderr }).then(
            (reply) => core.gate.reply(request.id, reply),
            () => {},
          );
        }
      },
      { sessionID: session.id },
    );
    let ending: { exitCode: number; quiet: boolean } | undefined;
    const endWith =
      (exitCode: number, quiet = false) =>
      () => {
        ending ??= { exitCode, quiet };
        const code = ending.exitCode;
        void core.sessions.abort(session.id).then((aborted) => {
          if (!aborted) process.exit(code);
        });
      };
    const signals = { SIGINT: endWith(130), SIGTERM: endWith(143), SIGHUP: endWith(129) } as const;
    for (const [signal, handler] of Object.entries(signals)) process.on(signal, handler);
    const stopWatchingOutput = whenOutputCloses(endWith(0, true));
    // However else the process ends (an exit from elsewhere, a crash), its questions are closed on the way out.
    const closeQuestions = () => {
      // Its writes happen before it returns (see closeOwned); a closed store means no turn was waiting.
      core.gate.closeOwned().catch(() => {});
    };
    process.once("exit", closeQuestions);
    let result: PromptResult;
    try {
      result = options.resume
        ? await core.sessions.resume(session.id)
        : await core.sessions.prompt(session.id, {
            parts: [{ type: "text", text: message }],
            agent: options.agent,
          });
    } catch (error) {
      // Failed before the prompt was stored (no model, an unknown provider): the session this run made is empty.
      if (created) await removeIfEmpty(core.sessions, session.id);
      throw error;
    } finally {
      for (const [signal, handler] of Object.entries(signals)) process.off(signal, handler);
      stopWatchingOutput();
      process.off("exit", closeQuestions);
      if (!ending?.quiet) printer.finish();
    }
    if (ending?.quiet) return;
    if (result.finish === "aborted") throw new UsageError("aborted", ending?.exitCode ?? 130);
    if (result.finish === "error") throw new UsageError(result.error?.data.message ?? "the turn failed");
    printer.closingLine();
  } finally {
    await core.shutdown();
    await store.close();
  }
}

/** `--agent` naming no agent of the config: one line naming those there are. */
export function unknownAgent(name: string, agents: readonly { name: string }[]): UsageError {
  return new UsageError(`unknown agent "${name}"; known agents: ${agents.map((agent) => agent.name).join(", ")}`);
}

/** The session to prompt, and whether this run made it (then a failure before the prompt takes it away again). */
async function pickSession(
  sessions: SessionService,
  directory: string,
  options: RunOptions,
): Promise<{ session: Session; created: boolean }> {
  if (options.session) return { session: await sessions.get(options.session), created: false };
  if (options.continue) {
    const latest = (await sessions.page({ directory, limit: 1 })).sessions[0];
    if (latest) return { session: latest, created: false };
  }
  if (options.resume) throw new UsageError("--resume needs --session ID (the session whose turn to continue)");
  return { session: await sessions.create({ directory }), created: true };
}

async function removeIfEmpty(sessions: SessionService, sessionID: string): Promise<void> {
  try {
    if ((await sessions.messages(sessionID)).length === 0) await sessions.remove(sessionID);
  } catch {
    // Best effort: the error that brought us here is the one to report.
  }
}
