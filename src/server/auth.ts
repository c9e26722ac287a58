// HTTP Basic with the server password (any username unless one is configured), compared in constant time;
// `?auth_token=` carries the same secret for EventSource, which cannot set headers.
import { createHash, timingSafeEqual } from "node:crypto";

export interface AuthOptions {
  password: string;
  username?: string;
}

function sameSecret(given: string, expected: string): boolean {
  // Hashing first gives equal lengths, so timingSafeEqual never throws and the length does not leak.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function decodeBasic(value: string): { username: string; password: string } | undefined {
  let decoded: string;
  try {
    decoded = Buffer.from(value, "base64").toString("utf8");
  } catch {
    return undefined;
  }
  const colon = decoded.indexOf(":");
  if (colon === -1) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function credentialsMatch(auth: AuthOptions, username: string, password: string): boolean {
  const passwordOk = sameSecret(password, auth.password);
  const usernameOk = auth.username === undefined || sameSecret(username, auth.username);
  return passwordOk && usernameOk;
}

/** Whether the request carries the right credentials (header, or auth_token query parameter). */
export function isAuthorized(auth: AuthOptions, header: string | undefined, token: string | undefined): boolean {
  if (header?.startsWith("Basic ")) {
    const credentials = decodeBasic(header.slice(6).trim());
    if (credentials && credentialsMatch(auth, credentials.username, credentials.password)) return true;
  }
  if (
    header?.startsWith("Bearer ") &&
    auth.username === undefined &&
    sameSecret(header.slice(7).trim(), auth.password)
  ) {
    return true;
  }
  if (token) {
    // Either the password itself, or base64 of `user:password` (what a Basic header would carry).
    if (auth.username === undefined && sameSecret(token, auth.password)) return true;
    const credentials = decodeBasic(token);
    if (credentials && credentialsMatch(auth, credentials.username, credentials.password)) return true;
  }
  return false;
}
