// The password a client command sends to a server. A module of its own: `moor acp` needs it before it answers
// `initialize`, and server-target.ts brings in the client library and an HTTP(S) fetch with it (issue 18 §5).
import type { Env } from "./context.js";

export function serverPassword(explicit: string | undefined, env: Env): string | undefined {
  return explicit ?? env.MOOR_SERVER_PASSWORD ?? env.OPENCODE_SERVER_PASSWORD;
}
