// HTTP Basic with the server password (any username unless one is configured), compared in constant time;
// `?auth_token=` carries the same secret for EventSource, which cannot set headers. Failed attempts are throttled
// per client address (login-throttle.ts).
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { MiddlewareHandler } from "hono";
import type { Logger } from "./context.js";
import { errorResponse } from "./errors.js";
import type { LoginThrottle } from "./login-throttle.js";

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
  // Auth schemes are case-insensitive (RFC 7617, RFC 9110 §11.1): `basic`, `BASIC` and `Basic` are one scheme.
  const scheme = header ? /^([A-Za-z]+)[ \t]+(.*)$/.exec(header) : null;
  const kind = scheme?.[1].toLowerCase();
  if (scheme && kind === "basic") {
    const credentials = decodeBasic(scheme[2].trim());
    if (credentials && credentialsMatch(auth, credentials.username, credentials.password)) return true;
  }
  if (scheme && kind === "bearer" && auth.username === undefined && sameSecret(scheme[2].trim(), auth.password)) {
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

/**
 * The authentication middleware: 401 without the right credentials; an address that keeps failing is locked out
 * for a growing delay (429 with Retry-After, credentials not even checked) and logged, never with the secret.
 */
export function authGate(auth: AuthOptions, throttle: LoginThrottle, logger?: Logger): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header("authorization");
    const token = c.req.query("auth_token");
    const attempted = header !== undefined || token !== undefined;
    const address = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming?.socket?.remoteAddress ?? "unknown";
    if (attempted) {
      const waitMs = throttle.lockedFor(address);
      if (waitMs > 0) {
        c.header("retry-after", String(Math.ceil(waitMs / 1000)));
        return errorResponse(c, 429, "too_many_requests", "Too many failed logins from this address; try again later");
      }
    }
    if (isAuthorized(auth, header, token)) {
      if (attempted) throttle.succeeded(address);
      return next();
    }
    if (attempted) {
      const { failures, lockoutMs } = throttle.failed(address);
      if (lockoutMs > 0) logger?.warn({ address, failures, lockoutMs }, "repeated failed logins: address locked out");
      else logger?.info({ address, failures }, "failed login");
    }
    c.header("www-authenticate", 'Basic realm="moor", charset="UTF-8"');
    return errorResponse(c, 401, "unauthorized", "Authentication required");
  };
}
