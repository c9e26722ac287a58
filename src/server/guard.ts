// The edge checks that run before any handler: DNS-rebinding guard on loopback (the Host must be a loopback name)
// and the browser Origin allow list (403 for any other origin).

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

export function isLoopbackAddress(address: string): boolean {
  return address === "localhost" || address === "::1" || address.startsWith("127.");
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

/** The CORS headers every response to an allowed cross-origin request carries. */
export function corsHeaders(origin: string): Record<string, string> {
  return { "access-control-allow-origin": origin, "access-control-allow-credentials": "true", vary: "Origin" };
}
