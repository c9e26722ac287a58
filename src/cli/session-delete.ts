// `moor session delete <id>...` and `moor session delete --older-than 7d [--dir D | --all]`: removes sessions with
// their messages, parts, todos and sub-sessions. A busy session (a live process is producing its reply) is left
// alone with a note: abort its turn first.
import { resolve } from "node:path";
import type { Session } from "../protocol/index.js";
import type { Store } from "../storage/port.js";
import { loadContext } from "./context.js";
import { parseDuration } from "./duration.js";
import { UsageError } from "./output.js";
import { sessionStates } from "./session-status.js";
import { openChosenRecoveredStore } from "./store-choice.js";

export interface SessionDeleteOptions {
  olderThan?: string;
  dir?: string;
  all?: boolean;
}

export default async function sessionDelete(ids: string[], options: SessionDeleteOptions): Promise<void> {
  if (ids.length > 0 && options.olderThan !== undefined) {
    throw new UsageError("give session ids or --older-than, not both");
  }
  if (ids.length === 0 && options.olderThan === undefined) {
    throw new UsageError("nothing to delete: give a session id (see moor session list) or --older-than 7d");
  }
  const maxAge = options.olderThan === undefined ? undefined : parseDuration(options.olderThan, "--older-than");
  const context = await loadContext();
  const opened = await openChosenRecoveredStore(context);
  const store = opened.store;
  try {
    let targets: Session[];
    if (maxAge === undefined) {
      targets = [];
      for (const id of ids) {
        const session = await store.getSession(id);
        if (!session) throw new UsageError(`no session ${id} (see moor session list --all)`);
        targets.push(session);
      }
    } else {
      const directory = options.all ? undefined : resolve(options.dir ?? context.directory);
      const cutoff = Date.now() - maxAge;
      const { sessions } = await store.listSessions({ directory, roots: true });
      targets = sessions.filter((session) => session.time.updated < cutoff);
    }
    const states = await sessionStates(
      store,
      targets.map((session) => session.id),
    );
    let deleted = 0;
    let skipped = 0;
    for (const session of targets) {
      if (states.get(session.id) === "busy") {
        process.stderr.write(`moor: ${session.id} is busy (a turn is running); abort it first, then delete it\n`);
        skipped++;
        continue;
      }
      deleted += await deleteTree(store, session);
    }
    if (maxAge !== undefined || deleted !== 1) {
      process.stdout.write(
        `Deleted ${deleted} session${deleted === 1 ? "" : "s"}${skipped ? `, ${skipped} busy left` : ""}\n`,
      );
    } else {
      process.stdout.write(`Deleted ${targets[0].id}\n`);
    }
    if (skipped > 0) process.exitCode = 1;
  } finally {
    await opened.close();
  }
}

/** The session and its sub-sessions, children first; each announced as session.deleted. Returns how many. */
async function deleteTree(store: Store, session: Session): Promise<number> {
  let count = 0;
  for (const child of await store.listChildren(session.id)) count += await deleteTree(store, child);
  await store.commit({ directory: session.directory, sessionID: session.id }, (tx) => {
    tx.deleteSession(session.id);
    tx.emit("session.deleted", { sessionID: session.id, info: session });
  });
  return count + 1;
}
