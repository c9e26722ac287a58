// The edge checks that run before any handler: DNS-rebinding guard on loopback (the Host must be a loopback name)
// and the browser Origin allow list (403 for any other origin).
import { isIP } from "node:net";
import { SNAPSHOT_HEADER } from "../protocol/index.js";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);

export function hostName(hostHeader: string): string {
  if (hostHeader.startsWith("[")) return hostHeader.slice(0, hostHeader.indexOf("]") + 1);
  const colon = hostHeader.lastIndexOf(":");
  return (colon === -1 ? hostHeader : hostHeader.slice(0, colon)).toLowerCase();
}

export function isLoopbackHost(hostHeader: string | undefined): boolean {
  if (!hostHeader) return false;
  const name = hostName(hostHeader);
  return LOOPBACK_HOSTS.has(name) || name.endsWith(".localhost");
}

/**
 * Whether an IP address (never a name: `127.0.0.1.nip.io` is a name that may point anywhere) is a loopback one:
 * 127.0.0.0/8, ::1, or 127.x mapped into IPv6.
 */
export function isLoopbackIp(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return address.startsWith("127.");
  if (family !== 6) return false;
  const lower = address.toLowerCase();
  if (lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  return mapped !== null && isIP(mapped[1]) === 4 && mapped[1].startsWith("127.");
}

/** Origins allowed: the configured ones, plus the server's own (any loopback name on its port when on loopback). */
export function originAllowed(origin: string, options: { allowed: string[]; hostHeader?: string }): boolean {
  if (options.allowed.includes("*") || options.allowed.includes(origin)) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  // Same origin as the request itself: the page was served by this server.
  if (options.hostHeader && parsed.host === options.hostHeader.toLowerCase()) return true;
  return false;
}

/**
 * The CORS headers a response to an allowed cross-origin request carries. An origin let in only by the `*`
 * wildcard gets a literal `*` and no credentials: a browser then never sends or exposes cookies or Basic
 * credentials to an arbitrary page (and `--cors '*'` with a password is refused at start, listen.ts).
 */
export function corsHeaders(origin: string, allowed: string[]): Record<string, string> {
  // A page on another origin may read the snapshot's event id, or it could not join a busy session exactly.
  const exposed = { "access-control-expose-headers": SNAPSHOT_HEADER, vary: "Origin" };
  if (allowed.includes("*") && !allowed.includes(origin)) return { "access-control-allow-origin": "*", ...exposed };
  return { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", ...exposed };
}
