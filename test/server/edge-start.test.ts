// The network edge as a user meets it, on a real `moor serve`: what it refuses or warns about at start, how it
// answers foreign origins, and how it slows a client that keeps guessing the password.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN, runMoor, waitForOutput } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url);
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const PASSWORD = "a long enough test password";
const basic = (password: string) => `Basic ${Buffer.from(`:${password}`).toString("base64")}`;

describe("CORS with credentials", () => {
  it("refuses to start with --cors '*' and a password, in one line", async () => {
    const result = await runMoor(["serve", "--port", "0", "--cors", "*"], {
      env: { ...home.env, MOOR_SERVER_PASSWORD: PASSWORD },
    });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/^moor: --cors '\*' cannot be used with a password/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("refuses a credentialed preflight and POST from a foreign origin, and lets the listed one in", async () => {
    server = await startServe(
      { ...home.env, MOOR_SERVER_PASSWORD: PASSWORD },
      ["--cors", "https://editor.example"],
      home.project,
    );
    const evil = "https://evil.example";
    const preflight = await fetch(`${server.url}/session`, {
      method: "OPTIONS",
      headers: {
        origin: evil,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization, content-type",
      },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const post = await fetch(`${server.url}/session`, {
      method: "POST",
      headers: { origin: evil, authorization: basic(PASSWORD), "content-type": "application/json" },
      body: "{}",
    });
    expect(post.status).toBe(403);
    expect(post.headers.get("access-control-allow-origin")).toBeNull();
    expect(post.headers.get("access-control-allow-credentials")).toBeNull();
    const sessions = await fetch(`${server.url}/session`, { headers: { authorization: basic(PASSWORD) } });
    expect(await sessions.json()).toEqual([]);

    const listed = await fetch(`${server.url}/session`, {
      method: "OPTIONS",
      headers: { origin: "https://editor.example", "access-control-request-method": "POST" },
    });
    expect(listed.status).toBe(204);
    expect(listed.headers.get("access-control-allow-origin")).toBe("https://editor.example");
    expect(listed.headers.get("access-control-allow-credentials")).toBe("true");
  });

  it("with --cors '*' and no password: a literal `*`, never an echoed origin with credentials", async () => {
    server = await startServe(home.env, ["--cors", "*"], home.project);
    expect(server.child.output().stderr).toMatch(/warning: --cors '\*' lets any web page/);
    const response = await fetch(`${server.url}/session`, { headers: { origin: "https://evil.example" } });
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("loopback and passwords", () => {
  const ownIpv4 = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === "IPv4" && !address.internal)?.address;
  // A name that starts like a loopback IP but resolves elsewhere needs a resolver answer we control: a private
  // /etc/hosts in a mount namespace of the server's own (root, util-linux's unshare).
  const canFakeHosts =
    process.platform === "linux" && process.getuid?.() === 0 && existsSync("/usr/bin/unshare") && ownIpv4 !== undefined;
  const unshareWorks =
    canFakeHosts && spawnSync("unshare", ["--mount", "true"], { stdio: "ignore", timeout: 5000 }).status === 0;

  it.skipIf(!unshareWorks)(
    "judges loopback on the address a name resolves to, not on its text (needs root, unshare and a non-loopback IPv4)",
    async () => {
      const hosts = join(home.root, "hosts");
      writeFileSync(hosts, `${ownIpv4} 127.0.0.1.moor-test.example\n127.0.0.1 loop.moor-test.example localhost\n`);
      // unshare execs sh, which execs node: the child's pid is the server's.
      const serveWithHosts = async (hostname: string) => {
        const script = `mount --bind "$0" /etc/hosts && exec "$1" "$2" serve --port 0 --hostname "$3"`;
        const child = spawn(
          "unshare",
          ["--mount", "--propagation", "private", "sh", "-c", script, hosts, process.execPath, MOOR_BIN, hostname],
          { env: home.env, cwd: home.project },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk) => {
          stdout += chunk;
        });
        child.stderr.on("data", (chunk) => {
          stderr += chunk;
        });
        const output = () => ({ stdout, stderr, code: child.exitCode, signal: child.signalCode });
        await waitForOutput({ output }, (out) => /moor listening/.test(out) || child.exitCode !== null);
        const exited = child.exitCode !== null;
        if (!exited) await new Promise((resolve) => child.once("close", resolve).kill("SIGKILL"));
        return { ...output(), exited };
      };
      const lookalike = await serveWithHosts("127.0.0.1.moor-test.example");
      expect(lookalike.exited).toBe(true);
      expect(lookalike.code).not.toBe(0);
      expect(lookalike.stderr).toMatch(
        `moor: refusing to listen on 127.0.0.1.moor-test.example (${ownIpv4}) without a password`,
      );
      // A name that does resolve to loopback is loopback.
      const loop = await serveWithHosts("loop.moor-test.example");
      expect(loop.stdout).toMatch(/^moor listening on http:\/\/127\.0\.0\.1:\d+/);
    },
  );

  it("warns at start about a short password off loopback, not on loopback", async () => {
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: "short-pw" }, ["--hostname", "0.0.0.0"]);
    expect(server.child.output().stderr).toMatch(/moor: warning: the server password is shorter than 12 characters/);
    await server.stop();
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: PASSWORD }, ["--hostname", "0.0.0.0"]);
    expect(server.child.output().stderr).not.toMatch(/shorter than/);
    await server.stop();
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: "short-pw" }, []);
    expect(server.child.output().stderr).not.toMatch(/shorter than/);
  });

  it("slows an address that keeps failing: locked out (429) from the 5th failure, logged, cleared by a success", async () => {
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: PASSWORD }, ["--print-logs"], home.project);
    const attempt = (password: string) =>
      fetch(`${server!.url}/session`, { headers: { authorization: basic(password) } });
    for (let i = 1; i <= 5; i++) expect((await attempt(`guess-number-${i}`)).status).toBe(401);
    const locked = await attempt(PASSWORD);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await waitForOutput(server.child, (_, stderr) => /repeated failed logins: address locked out/.test(stderr));
    const log = server.child.output().stderr;
    expect(log).toMatch(/"address":"127\.0\.0\.1","failures":5,"lockoutMs":1000/);
    expect(log).not.toMatch(/guess-number|a long enough/);
    // The first lockout is 1 s: after it, the right password gets in and the count starts again.
    let status = 429;
    for (let i = 0; i < 40 && status === 429; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await attempt(PASSWORD)).status;
    }
    expect(status).toBe(200);
    expect((await attempt("guess-number-6")).status).toBe(401);
    expect((await attempt(PASSWORD)).status).toBe(200);
  });
});
