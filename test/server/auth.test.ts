// The password check's edges: scheme names in any case, lockouts for an address that keeps guessing, and which
// addresses count as loopback (IPs, never names) and which CORS headers a wildcard earns.
import { rmSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/index.js";
import { createMoorApp } from "../../src/server/app.js";
import { isAuthorized } from "../../src/server/auth.js";
import { corsHeaders, isLoopbackIp } from "../../src/server/guard.js";
import { LoginThrottle } from "../../src/server/login-throttle.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import { openIdleCore } from "../fakes/idle-core.js";

const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString("base64");

describe("HTTP authentication", () => {
  it("takes the Basic and Bearer scheme names in any case (RFC 7617)", () => {
    const auth = { password: "correct horse battery" };
    for (const scheme of ["Basic", "basic", "BASIC", "bAsIc"]) {
      expect(isAuthorized(auth, `${scheme} ${basic("u", "correct horse battery")}`, undefined)).toBe(true);
      expect(isAuthorized(auth, `${scheme} ${basic("u", "wrong")}`, undefined)).toBe(false);
    }
    expect(isAuthorized(auth, "bearer correct horse battery", undefined)).toBe(true);
    expect(isAuthorized(auth, "BasicX", undefined)).toBe(false);
    expect(isAuthorized(auth, "Digest abc", undefined)).toBe(false);
  });

  describe("through the app", () => {
    let dir: string;
    let store: SqliteStore;
    let core: Core;
    beforeEach(async () => {
      ({ dir, store, core } = await openIdleCore("auth", "1"));
    });
    afterEach(() => {
      store.closeNow();
      rmSync(dir, { recursive: true, force: true });
    });

    it("a lowercase `basic` header is let in", async () => {
      const { app } = createMoorApp({ core, version: "1", defaultDirectory: dir, auth: { password: "pw-for-tests" } });
      const lower = await app.request("/session", { headers: { authorization: `basic ${basic("", "pw-for-tests")}` } });
      expect(lower.status).toBe(200);
      const upper = await app.request("/session", { headers: { authorization: `BASIC ${basic("", "pw-for-tests")}` } });
      expect(upper.status).toBe(200);
    });

    it("locks out an address after repeated failures, without checking its credentials while locked", async () => {
      const { app } = createMoorApp({
        core,
        version: "1",
        defaultDirectory: dir,
        auth: { password: "pw-for-tests" },
        loginThrottle: { threshold: 3, baseDelayMs: 60_000 },
      });
      const attempt = (password: string) =>
        app.request("/session", { headers: { authorization: `Basic ${basic("", password)}` } });
      expect((await attempt("one")).status).toBe(401);
      expect((await attempt("two")).status).toBe(401);
      expect((await attempt("three")).status).toBe(401);
      const locked = await attempt("pw-for-tests");
      expect(locked.status).toBe(429);
      expect(locked.headers.get("retry-after")).toBe("60");
      expect(((await locked.json()) as { error: { code: string } }).error.code).toBe("too_many_requests");
      // A request without credentials is not an attempt: it gets the usual 401 challenge.
      expect((await app.request("/session")).status).toBe(401);
    });
  });
});

describe("LoginThrottle", () => {
  it("locks out from the threshold-th failure, doubling up to the cap; a success clears the address", () => {
    let now = 0;
    const throttle = new LoginThrottle({ threshold: 3, baseDelayMs: 1000, maxDelayMs: 5000, now: () => now });
    expect(throttle.failed("a")).toEqual({ failures: 1, lockoutMs: 0 });
    expect(throttle.failed("a")).toEqual({ failures: 2, lockoutMs: 0 });
    expect(throttle.lockedFor("a")).toBe(0);
    expect(throttle.failed("a")).toEqual({ failures: 3, lockoutMs: 1000 });
    expect(throttle.lockedFor("a")).toBe(1000);
    expect(throttle.lockedFor("b")).toBe(0);
    now += 1000;
    expect(throttle.lockedFor("a")).toBe(0);
    expect(throttle.failed("a").lockoutMs).toBe(2000);
    now += 2000;
    expect(throttle.failed("a").lockoutMs).toBe(4000);
    now += 4000;
    expect(throttle.failed("a").lockoutMs).toBe(5000);
    now += 5000;
    throttle.succeeded("a");
    expect(throttle.failed("a")).toEqual({ failures: 1, lockoutMs: 0 });
  });

  it("forgets failures older than the window, and bounds how many addresses it tracks", () => {
    let now = 0;
    const throttle = new LoginThrottle({ threshold: 2, windowMs: 10_000, maxTracked: 2, now: () => now });
    throttle.failed("a");
    now += 10_001;
    expect(throttle.failed("a")).toEqual({ failures: 1, lockoutMs: 0 });
    throttle.failed("b");
    throttle.failed("c");
    // "a" was the stalest and was dropped.
    expect(throttle.failed("a")).toEqual({ failures: 1, lockoutMs: 0 });
    expect(throttle.failed("c").failures).toBe(2);
  });
});

describe("edge predicates", () => {
  it("takes only loopback IPs as loopback, never a name that starts like one", () => {
    for (const ip of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1"]) {
      expect(isLoopbackIp(ip), ip).toBe(true);
    }
    for (const name of [
      "127.0.0.1.nip.io",
      "127.evil.example",
      "localhost",
      "0.0.0.0",
      "::",
      "192.0.2.1",
      "::ffff:10.0.0.1",
    ]) {
      expect(isLoopbackIp(name), name).toBe(false);
    }
  });

  it("answers a wildcard-allowed origin with `*` and no credentials; a listed origin with credentials", () => {
    expect(corsHeaders("https://evil.example", ["*"])).toEqual({
      "access-control-allow-origin": "*",
      "access-control-expose-headers": "x-moor-event-id",
      vary: "Origin",
    });
    expect(corsHeaders("https://editor.example", ["*", "https://editor.example"])).toMatchObject({
      "access-control-allow-origin": "https://editor.example",
      "access-control-allow-credentials": "true",
    });
  });
});
