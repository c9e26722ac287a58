// moor's clients against a real `opencode serve` (issue 18 §4), on the fake model: `moor web --attach` gives
// OpenCode's users moor's web page (its sessions listed, a prompt through the proxy reaching OpenCode's model and
// its answer streaming back), and `/resume` in `moor attach`, a route OpenCode answers with its own web page, says
// in one line that the server does not support it. OpenCode starts once for the file (slow on a busy machine).
import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { spawnMoor, waitForOutput } from "../fakes/moor-process.js";
import { type OpencodeServe, startOpencodeServe } from "../fakes/opencode-serve.js";
import { TmuxSession } from "../tui/tmux.js";
import { launchBrowser, skipReason } from "../web/browser.js";

const REPLY = "OpenCode answered through moor web";
let llm: FakeLlm;
let opencode: OpencodeServe;
let home: TempHome;
let proxy: ReturnType<typeof spawnMoor> | undefined;
let browser: Browser | undefined;
let tmux: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm({ defaultReply: { text: REPLY } });
  home = makeTempHome(llm.url);
  opencode = await startOpencodeServe(llm.url);
  const created = await fetch(`${opencode.url}/session`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-opencode-directory": encodeURIComponent(opencode.project) },
    body: JSON.stringify({ title: "Made in OpenCode" }),
  });
  expect(created.status).toBe(200);
  // OpenCode boots its per-directory instance on the first calls (seconds on a busy machine): done here, so the
  // page's own first calls (15 s timeout) time OpenCode's answers, not its start.
  for (const path of ["/session", "/session/status", "/permission", "/event"]) {
    const response = await fetch(`${opencode.url}${path}`, { signal: AbortSignal.timeout(90_000) });
    expect(response.status, path).toBe(200);
    await response.body?.cancel();
  }
}, 240_000);
afterAll(async () => {
  tmux?.kill();
  await browser?.close();
  proxy?.kill("SIGKILL");
  await opencode?.stop();
  await llm?.close();
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe("moor's clients against opencode serve", () => {
  it.skipIf(skipReason)(
    "moor web --attach: the page lists OpenCode's sessions; a prompt reaches its model",
    {
      timeout: 300_000,
    },
    async () => {
      proxy = spawnMoor(["web", "--attach", opencode.url, "--port", "0"], { env: home.env, cwd: opencode.project });
      await waitForOutput(proxy, (stdout) => /moor web on \S+/.test(stdout) || proxy?.exitCode !== null, 30_000);
      const url = /moor web on (\S+)/.exec(proxy.output().stdout)?.[1];
      if (!url) throw new Error(`moor web did not start: ${proxy.output().stderr}`);
      browser = await launchBrowser();
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on("pageerror", (error) => problems.push(error.message));
      page.on("response", (response) => {
        if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
      });
      // On this shared machine OpenCode may take longer than the page's 15 s to answer its first lists: the page then
      // says so, and a person reloads it; so does the test (up to three loads), since that is OpenCode's speed.
      const listed = page.getByText("Made in OpenCode").first();
      for (let load = 1; ; load++) {
        await page.goto(url);
        await page.locator(".connection[data-state=open]").waitFor({ timeout: 30_000 });
        const seen = await Promise.race([
          listed.waitFor({ timeout: 40_000 }).then(() => "listed"),
          page
            .getByText("did not answer within")
            .waitFor({ timeout: 40_000 })
            .then(() => "slow"),
        ]).catch(() => "neither");
        if (seen === "listed") break;
        if (load === 3)
          throw new Error(`no session listed: ${((await page.locator("body").textContent()) ?? "").slice(0, 800)}`);
      }
      await page.getByText("Made in OpenCode").first().click();
      await page.locator(".session-view").waitFor();
      const box = page.getByLabel("Prompt");
      await box.fill("hello from moor's page");
      await box.press("Enter");
      await page.locator(".message.assistant", { hasText: REPLY }).first().waitFor({ timeout: 90_000 });
      expect(llm.requests.some((request) => JSON.stringify(request).includes("hello from moor's page"))).toBe(true);
      expect(problems).toEqual([]);
    },
  );

  it("moor attach: /resume says the server does not support it", { timeout: 90_000 }, async () => {
    tmux = TmuxSession.attach(`moor-oc-resume-${process.pid}`, opencode.url, {
      env: home.env,
      project: opencode.project,
    });
    await tmux.waitFor(/· connected ·/, 30_000);
    await tmux.waitFor(/Made in OpenCode|hello from moor's page/, 30_000);
    tmux.type("/resume");
    tmux.keys("Enter");
    const screen = await tmux.waitFor(/not supported by this server/, 20_000);
    expect(screen).toMatch(
      /\/session\/ses_\w+\/resume is not supported by this server \(it answered with a web page\)/,
    );
  });
});
