// A password-less server serves only its own user (and root): the peer's uid comes from the kernel's socket
// tables. The parser is checked on captured table text; the rule on a real server with a second real account.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, readdirSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startServer } from "../../src/server/listen.js";
import { findSocket, judgePeer, tableEndpoint } from "../../src/server/peer-uid.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { openCoreFixture } from "../fakes/core-fixture.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN, waitForOutput } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

// Captured on Linux 6.x (x86_64): a client of uid 65534 connected to a server of uid 0 on 127.0.0.1:41090…
const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1000 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 24441 1 00000000de7ba8d1 100 0 0 10 0
 261: 0100007F:A3B1 0100007F:A082 01 00000000:00000002 00:00000000 00000000     0        0 27134 2 00000000fcbdc240 21 4 31 10 -1
 354: 0100007F:A082 0100007F:A3B1 01 00000001:00000000 01:00000014 00000000 65534        0 27133 2 00000000357229a3 20 0 0 11 -1
 283: 0100007F:9C90 0100007F:8A27 05 00000000:00000000 03:00001756 00000000     0        0 0 3 00000000c6765f09
 322: 0100007F:8A27 0100007F:9C90 08 00000000:00000000 00:00000000 00000000     0        0 27250 1 000000003f78cf99 20 4 28 10 -1
  23: 0100007F:8BE8 0100007F:95AF 01 00000000:00000000 00:00000000 00000000 65534        0 56768 2 000000009046042e 20 0 0 10 -1
`;
// …on ::1, and an IPv6 (dual-stack) listener reached from IPv4 (the client's socket is in TCP above, line 23).
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   1: 00000000000000000000000001000000:ED74 00000000000000000000000001000000:8E4B 01 00000000:00000000 00:00000000 00000000 65534        0 56493 2 000000001947ff47 20 0 0 10 -1
   2: 00000000000000000000000001000000:8E4B 00000000000000000000000001000000:ED74 01 00000000:00000000 00:00000000 00000000     0        0 56494 1 0000000010899943 20 0 0 10 -1
   3: 0000000000000000FFFF00000100007F:95AF 0000000000000000FFFF00000100007F:8BE8 01 00000000:00000000 00:00000000 00000000     0        0 56769 1 0000000010899943 20 0 0 10 -1
`;
const tables = { tcp: TCP, tcp6: TCP6 };

describe.skipIf(endianness() !== "LE")("the socket-table parser (little-endian host, as captured)", () => {
  it("writes endpoints as the tables do: host-order hex words, big-endian port", () => {
    expect(tableEndpoint("127.0.0.1", 4096)).toBe("0100007F:1000");
    expect(tableEndpoint("::1", 60788)).toBe("00000000000000000000000001000000:ED74");
    expect(tableEndpoint("::ffff:127.0.0.1", 38319)).toBe("0000000000000000FFFF00000100007F:95AF");
    expect(tableEndpoint("fe80::1%eth0", 1)).toBe("000080FE000000000000000001000000:0001");
    expect(tableEndpoint("localhost", 1)).toBeUndefined();
  });

  it("finds a socket by its two ends and reads its owner and inode", () => {
    expect(findSocket(TCP, "0100007F:A082", "0100007F:A3B1")).toEqual({ uid: 65534, inode: 27133 });
    // The same pair the other way round is the server's own socket.
    expect(findSocket(TCP, "0100007F:A3B1", "0100007F:A082")).toEqual({ uid: 0, inode: 27134 });
    expect(findSocket(TCP, "0100007F:A082", "0100007F:FFFF")).toBeUndefined();
    // A TIME_WAIT twin listed before the live socket with the same ends does not hide it.
    const twin = " 900: 0100007F:A082 0100007F:A3B1 06 00000000:00000000 03:00001756 00000000     0        0 0 3 0\n";
    expect(findSocket(twin + TCP, "0100007F:A082", "0100007F:A3B1")).toEqual({ uid: 65534, inode: 27133 });
  });

  it("judges an IPv4 peer by its owner: the server's user and root in, anyone else out", () => {
    const connection = { remoteAddress: "127.0.0.1", remotePort: 0xa082, localAddress: "127.0.0.1", localPort: 0xa3b1 };
    expect(judgePeer(tables, connection, 65534)).toEqual({ allowed: true });
    expect(judgePeer(tables, connection, 1000)).toMatchObject({ allowed: false, uid: 65534 });
  });

  it("refuses a peer whose socket was already closed (TIME_WAIT shows uid 0 and no inode)", () => {
    const connection = { remoteAddress: "127.0.0.1", remotePort: 0x9c90, localAddress: "127.0.0.1", localPort: 0x8a27 };
    expect(judgePeer(tables, connection, 1000)).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/closed/),
    });
  });

  it("judges IPv6 peers, and IPv4 clients of a dual-stack listener", () => {
    const six = { remoteAddress: "::1", remotePort: 0xed74, localAddress: "::1", localPort: 0x8e4b };
    expect(judgePeer(tables, six, 1000)).toMatchObject({ allowed: false, uid: 65534 });
    expect(judgePeer(tables, six, 65534)).toEqual({ allowed: true });
    const mapped = {
      remoteAddress: "::ffff:127.0.0.1",
      remotePort: 0x8be8,
      localAddress: "::ffff:127.0.0.1",
      localPort: 0x95af,
    };
    expect(judgePeer(tables, mapped, 1000)).toMatchObject({ allowed: false, uid: 65534 });
    expect(judgePeer(tables, mapped, 65534)).toEqual({ allowed: true });
  });

  it("says a peer no table lists is not local", () => {
    const far = { remoteAddress: "192.0.2.7", remotePort: 5555, localAddress: "192.0.2.2", localPort: 4096 };
    expect(judgePeer(tables, far, 1000)).toBe("remote");
  });
});

describe("where the socket tables cannot be read", () => {
  it("serves as before and says so at start", async () => {
    const fixture = await openCoreFixture({ prefix: "peer", version: "1" });
    const { dir, core } = fixture;
    const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const server = await startServer({
        core,
        version: "1",
        defaultDirectory: dir,
        hostname: "127.0.0.1",
        port: 0,
        procNet: join(dir, "no-proc-net"),
      });
      const said = stderr.mock.calls.map(([text]) => String(text)).join("");
      stderr.mockRestore();
      expect(said).toMatch(/^moor: notice: cannot tell which local user opens a connection here/m);
      expect((await fetch(`${server.url}/global/health`)).status).toBe(200);
      await server.close();
    } finally {
      stderr.mockRestore();
      await fixture.close();
    }
  });
});

// A second account is needed: created here when the tests run as root on Linux with useradd and runuser.
const canSwitchUsers =
  process.platform === "linux" &&
  process.getuid?.() === 0 &&
  existsSync("/usr/sbin/useradd") &&
  existsSync("/usr/sbin/runuser") &&
  existsSync("/usr/bin/setpriv") &&
  existsSync("/proc/net/tcp");
const skipReason = "needs root on Linux with useradd, runuser and setpriv, to act as other local accounts";

function ensureUser(name: string): number {
  try {
    execFileSync("id", ["-u", name], { stdio: "pipe" });
  } catch {
    execFileSync("useradd", ["-M", "-s", "/bin/sh", name], { stdio: "pipe" });
  }
  return Number(execFileSync("id", ["-u", name], { encoding: "utf8" }).trim());
}

/** `GET url` from a process running as `user`: the status and body it got. */
function fetchAs(user: string, url: string): { status: number; body: string } {
  const script =
    "fetch(process.argv[1]).then(async (r) => console.log(JSON.stringify({ status: r.status, body: await r.text() })))";
  const out = execFileSync("runuser", ["-u", user, "--", process.execPath, "-e", script, url], {
    encoding: "utf8",
    cwd: "/",
    timeout: 10_000,
  });
  return JSON.parse(out);
}

describe.skipIf(!canSwitchUsers)(`a password-less server and other local accounts (${skipReason})`, () => {
  let llm: FakeLlm;
  let home: TempHome;
  let server: ServeHandle | undefined;
  let owned: ChildProcess | undefined;
  beforeAll(async () => {
    llm = await startFakeLlm();
    ensureUser("moortest");
    ensureUser("moortest2");
  });
  afterAll(() => llm.close());
  afterEach(async () => {
    await server?.stop("SIGKILL");
    server = undefined;
    owned?.kill("SIGKILL");
    owned = undefined;
  });

  it("refuses another user's request with 403 and a log line; the owner's (root's) requests work", async () => {
    home = makeTempHome(llm.url);
    server = await startServe(home.env, ["--print-logs"], home.project);
    const other = fetchAs("moortest", `${server.url}/session`);
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).error).toMatchObject({
      code: "forbidden",
      message: expect.stringMatching(/password/),
    });
    await waitForOutput(server.child, (_, stderr) => /refused a connection: not from this server's user/.test(stderr));
    expect(server.child.output().stderr).toMatch(`"uid":${ensureUser("moortest")}`);
    const own = await fetch(`${server.url}/session`, { method: "POST", body: "{}" });
    expect(own.status).toBe(200);
  });

  it("holds on IPv6 loopback too (the peer is in tcp6)", async () => {
    home = makeTempHome(llm.url);
    server = await startServe(home.env, ["--hostname", "::1"], home.project);
    expect(server.url).toMatch(/^http:\/\/\[::1\]:/);
    expect(fetchAs("moortest", `${server.url}/global/health`).status).toBe(403);
    expect((await fetch(`${server.url}/global/health`)).status).toBe(200);
  });

  it("a server run by an ordinary user serves that user and root, not a third account", async () => {
    home = makeTempHome(llm.url);
    const uid = ensureUser("moortest");
    const chownTree = (dir: string) => {
      chownSync(dir, uid, uid);
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) chownTree(path);
        else chownSync(path, uid, uid);
      }
    };
    chownTree(home.root);
    // setpriv execs the server itself (runuser would stay its parent), so killing the child ends the server.
    const asOwner = ["--reuid=moortest", "--regid=moortest", "--init-groups"];
    const child = spawn("setpriv", [...asOwner, process.execPath, MOOR_BIN, "serve", "--port", "0"], {
      cwd: home.project,
      env: home.env,
    });
    owned = child;
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    await waitForOutput(
      { output: () => ({ stdout, stderr, code: child.exitCode, signal: null }) },
      (out) => /moor listening on \S+/.test(out) || child.exitCode !== null,
    );
    const url = /moor listening on (\S+)/.exec(stdout)?.[1];
    expect(url, stderr).toBeDefined();
    expect(fetchAs("moortest", `${url}/global/health`).status).toBe(200);
    expect((await fetch(`${url}/global/health`)).status).toBe(200);
    expect(fetchAs("moortest2", `${url}/global/health`).status).toBe(403);
  });
});
