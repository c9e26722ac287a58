// `moor run --attach URL -- "message"`: the turn runs in the server; this process streams it, answers permissions
// (on a TTY, or all with --yes), and exits when the turn ends. --detach returns the session id at once.
import { homedir } from "node:os";
import { resolve } from "node:path";
import { descendantsOf, growFamily, type MoorClient, permissionSessionOf, SnapshotJoin } from "../client/index.js";
import { resolvePaths } from "../config/paths.js";
import type { MoorEvent, PermissionRequest, Session } from "../protocol/index.js";
import { UsageError } from "./output.js";
import { PermissionWaits, parseWaitPermission } from "./permission-wait.js";
import { refusalInWords } from "./permission-words.js";
import { type RunOptions, unknownAgent } from "./run.js";
import { connect, DEFAULT_SERVER_URL, daemonUrl, serverPassword } from "./server-target.js";
import { withHttpScheme } from "./server-url.js";
import { askOnTerminal, terminalPrinter } from "./turn-printer.js";
import { latestTurn, turnEvents, turnUnderWay } from "./turn-replay.js";

export async function runAttached(messageWords: string[], options: RunOptions): Promise<void> {
  const env = process.env;
  const wait = parseWaitPermission(options.waitPermission);
  if (wait.messageWord !== undefined) messageWords.unshift(wait.messageWord);
  const message = messageWords.join(" ").trim();
  const url =
    typeof options.attach === "string"
      ? withHttpScheme(options.attach)
      : (daemonUrl(resolvePaths(env, homedir()).state) ?? DEFAULT_SERVER_URL);
  const directory = resolve(options.dir);
  const client = await connect({
    url,
    password: serverPassword(options.password, env),
    username: env.MOOR_SERVER_USERNAME,
    directory,
  });
  // Checked before a session is picked or created: a run that cannot start, or a wrong name, leaves nothing behind.
  if (options.detach && !message) throw new UsageError("--detach needs a message to send");
  if (!message && !options.follow && !options.resume) {
    throw new UsageError('nothing to send: give a message, e.g. moor run --attach URL -- "fix the tests"');
  }
  const choices = promptChoices(options);
  if (options.agent !== undefined) {
    const agents = await client.agents();
    if (!agents.some((agent) => agent.name === options.agent)) throw unknownAgent(options.agent, agents);
  }
  const { session, created } = await pickSession(client, options, directory);
  if (options.detach) {
    try {
      await client.promptAsync(session.id, { parts: [{ type: "text", text: message }], ...choices });
    } catch (error) {
      if (created) await deleteIfEmpty(client, session.id);
      throw error;
    }
    process.stdout.write(`${session.id}\n`);
    if (options.notify) process.stderr.write(`moor: ${notifyWhere(options.notify)} when the turn ends\n`);
    return;
  }
  const start = options.resume
    ? async () => void (await client.resume(session.id))
    : message
      ? () => client.promptAsync(session.id, { parts: [{ type: "text", text: message }], ...choices })
      : undefined;
  try {
    await followTurn(client, session, options, start, created, wait.seconds);
  } catch (error) {
    // A turn that failed before its prompt was stored (no model, an unknown provider) leaves no empty session.
    if (created) await deleteIfEmpty(client, session.id);
    throw error;
  }
}

async function deleteIfEmpty(client: MoorClient, sessionID: string): Promise<void> {
  try {
    if ((await client.messages(sessionID)).length === 0) await client.deleteSession(sessionID);
  } catch {
    // Best effort: the turn's own error is what the user needs to read.
  }
}

/** The model, agent and one-off notification the prompt names, when given. */
function promptChoices(options: RunOptions) {
  const notify = options.notify ? { notify: options.notify } : {};
  if (!options.model) return { ...(options.agent !== undefined ? { agent: options.agent } : {}), ...notify };
  const slash = options.model.indexOf("/");
  if (slash <= 0) throw new UsageError(`model must be provider/model, got "${options.model}"`);
  return {
    model: { providerID: options.model.slice(0, slash), modelID: options.model.slice(slash + 1) },
    ...(options.agent !== undefined ? { agent: options.agent } : {}),
    ...notify,
  };
}

/** Where `--notify` is delivered, in words (a URL without its query: it may carry a token). */
function notifyWhere(notify: string | boolean): string {
  if (notify === true) return "the server will show a desktop notification";
  const url = new URL(String(notify));
  return `the server will POST to ${url.protocol}//${url.host}${url.pathname}`;
}

/** The session to prompt, and whether this command just created it (then it has no sub-sessions yet). */
async function pickSession(
  client: MoorClient,
  options: RunOptions,
  directory: string,
): Promise<{ session: Session; created: boolean }> {
  if (options.session) return { session: await client.getSession(options.session), created: false };
  if (options.follow) throw new UsageError("--follow needs --session ID");
  if (options.continue) {
    const latest = (await client.listSessions()).find((session) => session.directory === directory);
    if (latest) return { session: latest, created: false };
  }
  // A new session has no turn to resume: said as the in-process run says it, before one is made.
  if (options.resume) throw new UsageError("--resume needs --session ID (the session whose turn to continue)");
  return { session: await client.createSession({}), created: true };
}

/**
 * Streams the session's events from before `start` until the session goes idle. Without `start` (--follow), it
 * follows the turn already running, or returns at once when the session is idle.
 */
async function followTurn(
  client: MoorClient,
  session: Session,
  options: RunOptions,
  start: (() => Promise<void>) | undefined,
  created: boolean,
  waitSeconds: number | undefined,
): Promise<void> {
  const printer = terminalPrinter(options.format, session.id);
  let failure: string | undefined;
  let started = false;
  // Events already received in the same chunk as session.idle are not printed after the end.
  let ended = false;
  const answered = new Set<string>();
  // The session and its descendants: a child session's (a subagent's) question is asked here too, since its turn
  // waits on it while this command watches the parent (src/client/session-family.ts).
  let family: readonly string[] = [session.id];
  const answer = (request: PermissionRequest) => {
    if (answered.has(request.id)) return;
    answered.add(request.id);
    if (request.sessionID !== session.id) process.stderr.write(`moor: sub-session ${request.sessionID} asks:\n`);
    if (!options.yes && !process.stdin.isTTY && waitSeconds !== undefined) {
      // Left to another client; only an unanswered question is refused here, after the wait.
      void waits.wait(request, waitSeconds).then((reply) => {
        if (reply !== undefined || ended) return;
        process.stderr.write(`moor: ${refusalInWords(request, `no client answered within ${waitSeconds} s`)}\n`);
        return client.replyPermission(request.id, "reject").catch(() => {});
      });
      return;
    }
    const reply = options.yes
      ? Promise.resolve("once" as const)
      : askOnTerminal(request, {
          stdin: process.stdin,
          stderr: process.stderr,
          noTerminalHint: "no terminal to ask; use --yes, or --wait-permission to let another client answer",
        });
    void reply.then((choice) => client.replyPermission(request.id, choice)).catch(() => {});
  };
  const waits = new PermissionWaits(process.stderr);
  // --follow joins a running turn: events are held from the start until the snapshot they follow is printed.
  const join = new SnapshotJoin();
  const ticket = start ? undefined : join.hold();
  const finished = new Promise<void>((resolveDone, rejectDone) => {
    let connected: () => void;
    const opened = new Promise<void>((resolveOpen) => {
      connected = resolveOpen;
    });
    const handle = (event: MoorEvent) => {
      if (ended) return;
      if (event.type === "permission.replied") waits.replied(event.properties.requestID, event.properties.reply);
      family = growFamily(family, event);
      const asker = permissionSessionOf(event);
      if (asker !== undefined && asker !== session.id) {
        if (!family.includes(asker)) return;
        printer.handle(event);
        if (event.type === "permission.asked") answer(event.properties);
        return;
      }
      if (!belongsTo(event, session.id)) return;
      printer.handle(event);
      if (event.type === "session.error") failure = event.properties.error.data.message;
      if (event.type === "permission.asked") answer(event.properties);
      if (event.type === "session.idle" && started) {
        ended = true;
        stream.close();
        resolveDone();
      }
    };
    const stream = client.events({
      onEvent: (event: MoorEvent, id) => {
        if (ended) return;
        if (event.type === "server.connected") connected();
        if (join.offer(event, id)) handle(event);
      },
      onState: (state, detail) => {
        if (state === "reconnecting" && detail)
          process.stderr.write(`moor: connection lost (${detail}); reconnecting\n`);
      },
    });
    const onInterrupt = () => {
      void client.abort(session.id).finally(() => {
        stream.close();
        rejectDone(new UsageError("aborted", 130));
      });
    };
    process.once("SIGINT", onInterrupt);
    opened
      .then(async () => {
        // Descendants made before this stream opened, and the family's questions already waiting (an OpenCode
        // server without the children route: this session's only). A session this command just made has neither,
        // and its turn does not wait for two more round trips.
        if (!created) {
          const known = await descendantsOf((id) => client.children(id), session.id).catch(() => []);
          family = [...family, ...known.filter((id) => !family.includes(id))];
          const pending = await client.permissions().catch(() => []);
          for (const request of pending) if (family.includes(request.sessionID)) answer(request);
        }
        started = true;
        if (start) return start();
        // The snapshot first, then the status (read after it, so at least as new).
        const snapshot = await client.messageSnapshot(session.id);
        const statuses = await client.statuses();
        if (!statuses[session.id]) {
          // Idle now. A turn the snapshot caught under way ended since: print it whole, from a newer snapshot.
          if (turnUnderWay(snapshot.messages)) {
            const done = await client.messageSnapshot(session.id);
            for (const event of turnEvents(latestTurn(done.messages), options.format)) printer.handle(event);
          }
          ended = true;
          stream.close();
          resolveDone();
          return;
        }
        // Busy now, so the turn's end is after the snapshot: its text so far, then the events after the snapshot.
        for (const event of turnEvents(latestTurn(snapshot.messages), options.format)) printer.handle(event);
        for (const event of join.release(ticket ?? 0, snapshot.eventId) ?? []) handle(event);
      })
      .catch((error) => {
        stream.close();
        rejectDone(error);
      });
  });
  try {
    await finished;
  } finally {
    waits.close();
    printer.finish();
  }
  if (failure) throw new UsageError(failure);
  printer.closingLine();
}

function belongsTo(event: MoorEvent, sessionID: string): boolean {
  const properties = event.properties as { sessionID?: string; part?: { sessionID?: string } };
  return properties.sessionID === sessionID || properties.part?.sessionID === sessionID;
}
