// The web page's session list with 10,000 sessions: it shows the newest page at once (not all ten thousand), loads
// the next page when the list is scrolled to its end, and finds an old session by asking the server (GET /session
// ?search=). Headless Chromium against a real `moor serve` on a real database seeded through the store.
import { rmSync } from "node:fs";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { seededTitle, seedSessions } from "../fakes/seed-sessions.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { launchBrowser, openPage, skipReason } from "./browser.js";

const COUNT = 10_000;

let llm: FakeLlm;
let browser: Browser | undefined;
let server: ServeHandle | undefined;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
  if (skipReason) return;
  home = makeTempHome(llm.url);
  await seedSessions(home.env.MOOR_DATA_DIR, { count: COUNT, directory: home.project });
  browser = await launchBrowser();
  server = await startServe(home.env, [], home.project);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  await llm.close();
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe.skipIf(skipReason)("the web page's session list with 10,000 sessions", () => {
  it("shows the newest page, loads more as it scrolls, and finds an old session by search", async () => {
    if (!browser || !server) throw new Error("not started");
    const requests: string[] = [];
    const { page, problems } = await openPage(browser, server.url);
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname === "/session") requests.push(url.search);
    });
    const items = page.locator(".session-item .session-title");
    await items.first().waitFor();
    expect(await items.first().textContent()).toBe(seededTitle(COUNT - 1));
    const firstPage = await items.count();
    expect(firstPage).toBeGreaterThan(10);
    expect(firstPage).toBeLessThan(200);

    // Scrolling to the end brings the next page, continuing in order.
    await page.locator(".session-more").scrollIntoViewIfNeeded();
    await expect.poll(() => items.count()).toBeGreaterThan(firstPage);
    const titles = await items.allTextContents();
    expect(titles.slice(0, firstPage + 5)).toEqual(
      Array.from({ length: firstPage + 5 }, (_, i) => seededTitle(COUNT - 1 - i)),
    );
    expect(titles.length).toBeLessThan(COUNT);
    expect(requests.every((search) => /limit=\d+/.test(search))).toBe(true);

    // The oldest session is nowhere near loaded; the server finds it.
    await page.getByLabel("Search sessions").fill("session 00007");
    await expect.poll(() => items.allTextContents()).toEqual([seededTitle(7)]);
    expect(requests.some((search) => search.includes("search=session+00007"))).toBe(true);
    await page.getByLabel("Search sessions").fill("");
    await expect.poll(() => items.first().textContent()).toBe(seededTitle(COUNT - 1));
    expect(problems).toEqual([]);
  }, 60_000);
});
