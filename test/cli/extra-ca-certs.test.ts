// NODE_EXTRA_CA_CERTS with the launcher run as a command: Node starts without it (parsing the certificates at start
// cost every command ~40 ms, issue 18 §5) and moor applies it itself (bin/deferred-ca-certs.cjs). The model is
// reached over real TLS: a server whose certificate a CA from a temp dir signed, trusted only through the variable.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { connect, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer as createTlsServer } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";

const certs = mkdtempSync(join(tmpdir(), "moor-ca-"));
let llm: FakeLlm;
let tlsFront: Server;
let home: TempHome;

/** A CA and a certificate it signed for 127.0.0.1, made with openssl. */
function makeCertificates(): void {
  const openssl = (...args: string[]) => execFileSync("openssl", args, { cwd: certs, stdio: "ignore" });
  openssl(
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2"],
    ...["-subj", "/CN=moor test CA"],
  );
  openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=moor");
  writeFileSync(join(certs, "ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(
    ...["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"],
    ...["-out", "server.pem", "-days", "2", "-extfile", "ext"],
  );
}

beforeAll(async () => {
  makeCertificates();
  llm = await startFakeLlm({ defaultReply: { text: "over TLS" } });
  const llmPort = Number(new URL(llm.url).port);
  // TLS in front of the fake model: it decrypts and passes the bytes on.
  tlsFront = createTlsServer(
    { key: readFileSync(join(certs, "server.key")), cert: readFileSync(join(certs, "server.pem")) },
    (socket) => {
      const upstream = connect(llmPort, "127.0.0.1");
      socket.pipe(upstream).pipe(socket);
      const close = () => {
        socket.destroy();
        upstream.destroy();
      };
      socket.on("error", close);
      upstream.on("error", close);
    },
  );
  await new Promise<void>((resolve) => tlsFront.listen(0, "127.0.0.1", resolve));
  const port = (tlsFront.address() as { port: number }).port;
  home = makeTempHome(`https://127.0.0.1:${port}/v1`, { permission: { bash: "allow", edit: "allow" } });
});

afterAll(async () => {
  tlsFront?.close();
  await llm?.close();
  rmSync(certs, { recursive: true, force: true });
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe("NODE_EXTRA_CA_CERTS with the launcher run as a command", () => {
  it("trusts the file's CA for the model's HTTPS, and the commands moor runs see the variable as it was set", async () => {
    const caFile = join(certs, "ca.pem");
    llm.script({ toolCalls: [{ name: "bash", args: { command: 'printf %s "$NODE_EXTRA_CA_CERTS" > seen.txt' } }] });
    const result = await runMoor(["run", "say it"], {
      env: { ...home.env, NODE_EXTRA_CA_CERTS: caFile },
      cwd: home.project,
      asCommand: true,
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain("over TLS");
    expect(readFileSync(join(home.project, "seen.txt"), "utf8")).toBe(caFile);
  });

  it("fails the model call without the CA (the trust comes from the file, not from anything else)", async () => {
    const before = llm.requests.length;
    const result = await runMoor(["run", "say it"], { env: home.env, cwd: home.project, asCommand: true });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/certificate|self[- ]signed|verify/i);
    expect(llm.requests.length).toBe(before);
  });

  it("starts Node without the variable, so Node parses no certificates before moor runs", async () => {
    const serve = spawnMoor(["serve", "--port", "0"], {
      env: { ...home.env, NODE_EXTRA_CA_CERTS: join(certs, "ca.pem") },
      cwd: home.project,
      asCommand: true,
    });
    try {
      await waitForOutput(serve, (stdout) => /listening on/.test(stdout));
      // The environment Node was started with (exec's), not what moor put back into process.env since.
      const environment = readFileSync(`/proc/${serve.pid}/environ`, "utf8").split("\0");
      expect(environment.filter((entry) => entry.startsWith("NODE_EXTRA_CA_CERTS="))).toEqual([]);
    } finally {
      serve.kill("SIGTERM");
      await new Promise((resolve) => serve.once("close", resolve));
    }
  });

  it("leaves the variable to Node when NODE_OPTIONS chooses the CA store (moor's stand-in assumes Node's roots)", async () => {
    const caFile = join(certs, "ca.pem");
    const serve = spawnMoor(["serve", "--port", "0"], {
      env: { ...home.env, NODE_EXTRA_CA_CERTS: caFile, NODE_OPTIONS: "--use-openssl-ca" },
      cwd: home.project,
      asCommand: true,
    });
    try {
      await waitForOutput(serve, (stdout) => /listening on/.test(stdout));
      const environment = readFileSync(`/proc/${serve.pid}/environ`, "utf8").split("\0");
      expect(environment).toContain(`NODE_EXTRA_CA_CERTS=${caFile}`);
    } finally {
      serve.kill("SIGTERM");
      await new Promise((resolve) => serve.once("close", resolve));
    }
  });
});
