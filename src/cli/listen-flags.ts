// The files `moor serve` is told to listen with (--socket, --tls-cert, --tls-key), checked before anything starts,
// so a mistyped path is one line that names the flag, not an OpenSSL code or a "permission denied" about a directory
// that does not exist.
import { readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { UsageError } from "./output.js";

/**
 * The server removes what it finds at the socket path (a socket left by a server that was killed) before it
 * listens: a path that holds anything else, a file or a directory, is refused here, or it would be deleted.
 */
export function checkSocketPath(socket: string): void {
  const existing = statSync(socket, { throwIfNoEntry: false });
  if (existing && !existing.isSocket()) {
    throw new UsageError(
      `--socket ${socket}: ${existing.isDirectory() ? "a directory" : "a file"} is there (give a new path)`,
    );
  }
  if (!statSync(dirname(socket), { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--socket ${socket}: no directory ${dirname(socket)}`);
  }
}

/** Both files readable, and a certificate and key TLS can use together. */
export async function checkTlsFiles(certFile: string, keyFile: string): Promise<void> {
  const read = (flag: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new UsageError(`cannot read ${flag} ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  };
  const cert = read("--tls-cert", certFile);
  const key = read("--tls-key", keyFile);
  const { createSecureContext } = await import("node:tls");
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new UsageError(
      `--tls-cert ${certFile} and --tls-key ${keyFile} are no PEM certificate and its key: ${(error as Error).message}`,
    );
  }
}

/**
 * Each --cors value as a browser sends its Origin header (`scheme://host[:port]`, nothing after), since the server
 * compares them exactly: `localhost:3000` or `http://localhost:3000/` would never match and let no page in.
 * `*` (any page) and `null` (a file:// page) are Origin values too.
 */
export function checkCorsOrigins(origins: string[]): void {
  for (const origin of origins) {
    if (origin === "*" || origin === "null") continue;
    let canonical: string | undefined;
    try {
      canonical = new URL(origin).origin;
    } catch {
      canonical = undefined;
    }
    if (canonical !== origin) {
      const hint = canonical && canonical !== "null" ? `: did you mean ${canonical}?` : " (e.g. http://localhost:3000)";
      throw new UsageError(`--cors ${origin} is no origin as browsers send it${hint}`);
    }
  }
}

/** An empty --hostname (an unset variable in a script) would be looked up as a name, with a warning from Node. */
export function checkHostname(hostname: string): void {
  if (hostname.trim() === "") throw new UsageError("--hostname needs an address (e.g. 127.0.0.1 or 0.0.0.0)");
}
