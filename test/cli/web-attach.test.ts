// `moor web --attach URL` against a real `moor serve` (with a password): the page loads from the proxy in headless
// Chromium and works through it (a prompt reaches the fake model, the answer streams back over the proxied SSE);
// Basic auth passes through; a foreign Host or Origin is refused; bad arguments are one line and a non-zero exit.
import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor, spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { readSse, type ServeHandle, startServe } from "../fakes/serve.js";
import { launchBrowser, newSession, send, skipReason } from "../web/browser.js";

const PASSWORD = "proxy-secret";
let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle;
let proxy: ReturnType<typeof spawnMoor>;
let proxyUrl: string;
let browser: Browser | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  home = makeTempHome(llm.url);
  const env = { ...home.env, MOOR_SERVER_PASSWORD: PASSWORD };
  server = await startServe(env, [], home.project);
  proxy = spawnMoor(["web", "--attach", server.url, "--port", "0"], { env, cwd: home.project });
  await waitForOutput(proxy, (stdout) => /moor web on \S+/.test(stdout) || proxy.exitCode !== null);
  const match = /moor web on (\S+)/.exec(proxy.output().stdout);
  if (!match) throw new Error(`moor web did not start: ${proxy.output().stderr}`);
  proxyUrl = match[1];
  if (!skipReason) browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  proxy?.kill("SIGKILL");
  await server?.stop("SIGKILL");
  await llm?.close();
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe("moor web --attach (moor serve behind it)", () => {
  it.skipIf(skipReason)(
    "the page loads through the proxy, a prompt reaches the model, the answer streams back",
    async () => {
      if (!browser) throw new Error("no browser");
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      await page.goto(proxyUrl);
      await page.locator(".connection[data-state=open]").waitFor();
      await newSession(page);
      llm.script({ text: "answered through the proxy" });
      await send(page, "hello via proxy");
      await page.locator(".message.assistant p", { hasText: "answered through the proxy" }).waitFor();
      expect(llm.requests.some((request) => JSON.stringify(request).includes("hello via proxy"))).toBe(true);
      expect(problems).toEqual([]);
    },
    60_000,
  );

  it("passes Basic auth through, fills it from -p, streams SSE, and refuses foreign hosts and origins", async () => {
    // The proxy was given the password (env), so a request without one is let in; a wrong one is passed as is.
    const health = await fetch(`${proxyUrl}/global/health`);
    expect(health.status).toBe(200);
    const wrong = await fetch(`${proxyUrl}/session`, {
      headers: { authorization: `Basic ${Buffer.from("moor:nope").toString("base64")}` },
    });
    expect(wrong.status).toBe(401);
    const events = await readSse(`${proxyUrl}/event`, { until: (items) => items.length >= 1, timeoutMs: 10_000 });
    expect(events[0].event.type).toBe("server.connected");
    const page = await fetch(proxyUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<script");
    const foreignOrigin = await fetch(`${proxyUrl}/session`, {
      method: "POST",
      headers: { origin: "http://evil.test" },
    });
    expect(foreignOrigin.status).toBe(403);
    expect((await foreignOrigin.json()).error.code).toBe("forbidden");
    const { request } = await import("node:http");
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(`${proxyUrl}/session`, { headers: { host: "evil.test" } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on("error", reject);
      req.end();
    });
    expect(status).toBe(403);
  }, 30_000);

  it("bad arguments: one line and a non-zero exit", async () => {
    const missing = await runMoor(["web"], { env: home.env });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr.trim()).toBe("moor: moor web needs --attach URL (the server whose API the page uses)");
    const unreachable = await runMoor(["web", "--attach", "http://127.0.0.1:9", "--port", "0"], { env: home.env });
    expect(unreachable.code).not.toBe(0);
    expect(unreachable.stderr.trim().split("\n")).toHaveLength(1);
    expect(unreachable.stderr).toMatch(/^moor: .*cannot reach/);
  }, 30_000);
});
