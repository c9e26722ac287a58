// A server's address as typed after --attach or as `moor attach URL`. Kept apart from server-target.ts (which loads
// the client) so `moor acp` can check its --attach before anything else loads.
import { UsageError } from "./output.js";

export const DEFAULT_SERVER_URL = "http://127.0.0.1:4096";

/** An http(s) URL, or a one-line UsageError (rather than a "cannot reach" about an ftp:// or unix: address). */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${text} (expected e.g. ${DEFAULT_SERVER_URL})`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`not an http(s) URL: ${text} (expected e.g. ${DEFAULT_SERVER_URL})`);
  }
  return url;
}

/** Whether `text` is a server as people type it without a scheme: `host:port`, maybe with a path after. */
export function isHostPort(text: string): boolean {
  return /^[\w.-]+:\d+(\/|$)/.test(text);
}

/** `host:port` as people type it means http there; anything else (`unix:/path` included) is taken as written. */
export function withHttpScheme(text: string): string {
  return isHostPort(text) ? `http://${text}` : text;
}
