// The session side of undo and redo: revert and unrevert of a session's file changes, and making a revert final
// when the next prompt arrives (its hidden messages deleted, `message.removed` / `message.part.removed` announced).
// Refused while a turn runs: its steps would change files under the revert.
import type { FileDiff, MessageWithParts, Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import { CoreError, notFound } from "../errors.js";
import { sessionDiff } from "../session-diff.js";
import { applyRevert, applyUnrevert, revertScope } from "./revert.js";
import type { SnapshotService } from "./service.js";
import { snapshotDiff } from "./snapshot-diff.js";

export interface SessionRevertOptions {
  store: Store;
  snapshots?: SnapshotService;
  isBusy(sessionID: string): boolean;
  now(): number;
}

export interface RevertInput {
  messageID: string;
  partID?: string;
  /** Overwrite files changed by hand since the agent's change (refused with their list otherwise). */
  force?: boolean;
}

export class SessionReverts {
  constructor(private readonly options: SessionRevertOptions) {}

  /** The session's diff: from snapshots when its steps have them, else from its edit and write tools. */
  async diff(session: Session, messageID?: string): Promise<FileDiff[]> {
    const messages = await this.options.store.listMessages(session.id);
    const repo = this.options.snapshots?.repo(session.directory);
    const fromSnapshots = repo ? await snapshotDiff(repo, messages, messageID) : undefined;
    return fromSnapshots ?? sessionDiff(messages);
  }

  async revert(session: Session, input: RevertInput): Promise<Session> {
    this.refuseWhileBusy(session, "revert");
    const messages = await this.options.store.listMessages(session.id);
    const target = messages.find((message) => message.info.id === input.messageID);
    if (!target) throw notFound("Message", input.messageID);
    if (input.partID && !target.parts.some((part) => part.id === input.partID)) throw notFound("Part", input.partID);
    const repo = this.repoOf(session);
    const scope = revertScope(messages, input.messageID, input.partID);
    const previous = session.revert
      ? { revert: session.revert, scope: revertScope(messages, session.revert.messageID, session.revert.partID) }
      : undefined;
    const revert = await applyRevert(
      repo,
      session,
      scope,
      input,
      () => this.options.snapshots?.track(session.directory) ?? Promise.resolve(undefined),
      previous,
    );
    return this.write({ ...session, revert });
  }

  async unrevert(session: Session, force?: boolean): Promise<Session> {
    this.refuseWhileBusy(session, "unrevert");
    const { revert } = session;
    if (!revert) return session;
    const messages = await this.options.store.listMessages(session.id);
    if (revert.snapshot) {
      const scope = revertScope(messages, revert.messageID, revert.partID);
      await applyUnrevert(this.repoOf(session), revert.snapshot, scope, force);
    }
    return this.write({ ...session, revert: undefined });
  }

  /** The next prompt makes a revert final: the hidden messages (and parts) are deleted, then announced. */
  async finalize(session: Session): Promise<Session> {
    const { revert } = session;
    if (!revert) return session;
    const messages = await this.options.store.listMessages(session.id);
    const index = messages.findIndex((message) => message.info.id === revert.messageID);
    const removedParts: { messageID: string; partID: string }[] = [];
    let removedMessages: MessageWithParts[] = index === -1 ? [] : messages.slice(index);
    if (revert.partID && index !== -1) {
      const target = messages[index];
      const from = target.parts.findIndex((part) => part.id === revert.partID);
      for (const part of from === -1 ? [] : target.parts.slice(from)) {
        removedParts.push({ messageID: target.info.id, partID: part.id });
      }
      removedMessages = messages.slice(index + 1);
    }
    const updated: Session = { ...session, revert: undefined, time: { ...session.time, updated: this.options.now() } };
    await this.options.store.commit({ directory: session.directory, sessionID: session.id }, (tx) => {
      for (const { messageID, partID } of removedParts) {
        tx.deletePart(partID);
        tx.emit("message.part.removed", { sessionID: session.id, messageID, partID });
      }
      for (const message of removedMessages) {
        tx.deleteMessage(message.info.id);
        tx.emit("message.removed", { sessionID: session.id, messageID: message.info.id });
      }
      tx.putSession(updated);
      tx.emit("session.updated", { sessionID: session.id, info: updated });
    });
    return updated;
  }

  private refuseWhileBusy(session: Session, what: string): void {
    if (this.options.isBusy(session.id)) {
      throw new CoreError(
        "busy",
        `Session ${session.id} is running a turn; abort it or wait for it to end before you ${what}.`,
      );
    }
  }

  private repoOf(session: Session) {
    const repo = this.options.snapshots?.repo(session.directory);
    if (!repo) {
      throw new CoreError("conflict", `Session ${session.id} has no snapshots of ${session.directory} to revert from.`);
    }
    return repo;
  }

  private async write(session: Session): Promise<Session> {
    const updated: Session = { ...session, time: { ...session.time, updated: this.options.now() } };
    if (!updated.revert) delete updated.revert;
    await this.options.store.commit({ directory: session.directory, sessionID: session.id }, (tx) => {
      tx.putSession(updated);
      tx.emit("session.updated", { sessionID: session.id, info: updated });
    });
    return updated;
  }
}
