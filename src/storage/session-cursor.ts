// The session list cursor of both stores: where the previous page ended, in the list's order (updated
// desc, id desc). Opaque to clients; one encoding for both stores, so a cursor means the same on either.

export interface SessionCursor {
  updated: number;
  id: string;
}

export function encodeSessionCursor(cursor: SessionCursor): string {
  return Buffer.from(JSON.stringify([cursor.updated, cursor.id])).toString("base64url");
}

/** A cursor this store did not give out reads as undefined: the caller answers the end of the list. */
export function decodeSessionCursor(text: string): SessionCursor | undefined {
  try {
    const [updated, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof updated === "number" && Number.isFinite(updated) && typeof id === "string") return { updated, id };
  } catch {}
  return undefined;
}
