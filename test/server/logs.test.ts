import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { startServe } from "../fakes/serve.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

describe("moor serve logs and discovery flags", () => {
  it("writes JSON-line logs under <data>/log, copies them to stderr with --print-logs, keeps 10, never logs the secret", async () => {
    const home = makeTempHome(llm.url);
    const logDir = join(home.env.MOOR_DATA_DIR, "log");
    mkdirSync(logDir, { recursive: true });
    for (let i = 0; i < 12; i++)
      writeFileSync(join(logDir, `2020-01-01T00-00-${String(i).padStart(2, "0")}-000Z.log`), "{}\n");
    const password = "very-secret-password";
    const server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: password }, ["--print-logs"], home.project);
    const auth = `Basic ${Buffer.from(`:${password}`).toString("base64")}`;
    await fetch(`${server.url}/session?auth_token=${password}`);
    await fetch(`${server.url}/session`, { headers: { authorization: auth } });
    await fetch(`${server.url}/session`, { headers: { authorization: "Basic d3Jvbmc6d3Jvbmc=" } });
    expect(await server.stop("SIGTERM")).toBe(0);
    const files = readdirSync(logDir).filter((name) => name.endsWith(".log"));
    expect(files).toHaveLength(10);
    const newest = readFileSync(join(logDir, files.sort().at(-1)!), "utf8");
    const lines = newest
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines.some((line) => line.msg === "request" && line.path === "/session" && line.status === 401)).toBe(true);
    expect(newest).not.toContain(password);
    expect(newest).not.toContain("d3Jvbmc6d3Jvbmc=");
    const stderr = server.child.output().stderr;
    expect(stderr).toContain('"msg":"server started"');
    expect(stderr).not.toContain(password);
  });

  it("--mdns needs a non-loopback bind; a bad --port or half a TLS pair is a one-line error", async () => {
    const home = makeTempHome(llm.url);
    const mdns = await runMoor(["serve", "--mdns", "--port", "0"], { env: home.env });
    expect(mdns.code).not.toBe(0);
    expect(mdns.stderr).toMatch(/^moor: --mdns needs a non-loopback --hostname/);
    const port = await runMoor(["serve", "--port", "http"], { env: home.env });
    expect(port.stderr).toBe("moor: invalid --port: http\n");
    const tls = await runMoor(["serve", "--tls-cert", "x.pem"], { env: home.env });
    expect(tls.stderr).toBe("moor: --tls-cert and --tls-key go together\n");
  });
});
