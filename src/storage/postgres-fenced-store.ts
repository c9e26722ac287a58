// What a worker hands the core for a session it holds (cluster mode, issue 20 §2): the PostgreSQL store as the port,
// with every commit fenced by the session's lease (PostgresStore.commit's {fence}). Reads and listeners are the
// store's own. A commit after the lease moved rejects with FencedError and writes nothing; the turn stops on it.
//
// The fence names one session: commits of this view for another session (a subagent's child session) are fenced by
// the parent's lease too, which is what a worker wants (it runs the child because it holds the parent).
import type { LeaseFence, Store } from "./port.js";
import type { PostgresStore } from "./postgres-store.js";

export function fencedStore(store: PostgresStore, fence: LeaseFence): Store {
  return {
    commit: (scope, write) => store.commit(scope, write, { fence }),
    onCommit: (listener) => store.onCommit(listener),
    readAt: (read, position) => store.readAt(read, position),
    getSession: (sessionID) => store.getSession(sessionID),
    getSessionForEdit: (sessionID) => store.getSessionForEdit(sessionID),
    listSessions: (query) => store.listSessions(query),
    listChildren: (parentID) => store.listChildren(parentID),
    getMessage: (sessionID, messageID) => store.getMessage(sessionID, messageID),
    listParts: (messageID) => store.listParts(messageID),
    listMessages: (sessionID) => store.listMessages(sessionID),
    history: (sessionID) => store.history(sessionID),
    messageOwner: (messageID) => store.messageOwner(messageID),
    partOwner: (partID) => store.partOwner(partID),
    listRunningMessages: () => store.listRunningMessages(),
    getTodos: (sessionID) => store.getTodos(sessionID),
    getPermission: (requestID) => store.getPermission(requestID),
    findPermissionByCall: (sessionID, callID) => store.findPermissionByCall(sessionID, callID),
    listPendingPermissions: () => store.listPendingPermissions(),
    listGrants: (sessionID) => store.listGrants(sessionID),
    isOwnerAlive: (ownerToken) => store.isOwnerAlive(ownerToken),
    sweepOwners: () => store.sweepOwners(),
    integrityCheck: () => store.integrityCheck(),
    // The view does not own the connection: closing it closes nothing.
    close: async () => {},
  };
}
