// The web page's Compact button: a summary is written and the transcript marks where compaction happened. Headless
// Chromium (playwright-core) against a real `moor serve` with the fake model; needs `npm run build` (dist/web).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPACTION_MARK } from "../../src/client/compaction.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skipReason = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing` : !BUILT ? "dist/web is not built" : undefined;
if (skipReason) console.warn(`skipping the web compaction test: ${skipReason}`);

let llm: FakeLlm;
let browser: Browser | undefined;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  if (skipReason) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  const home = makeTempHome(llm.url);
  server = await startServe(home.env, [], home.project);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  await llm.close();
});

describe.skipIf(skipReason)("the web page and compaction", () => {
  it("the Compact button writes a summary and the transcript marks it", async () => {
    if (!browser || !server) throw new Error("not started");
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.locator(".connection[data-state=open]").waitFor();
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    llm.script({ text: "the first reply" }, { text: "PAGE SUMMARY of the work" });
    const box = page.getByLabel("Prompt");
    await box.fill("do the work");
    await box.press("Enter");
    await page.locator(".message.assistant p", { hasText: "the first reply" }).waitFor();
    await page.getByRole("button", { name: "Compact" }).click();
    await page.locator(".message.compaction .compaction-mark").waitFor();
    await expect(page.locator(".message.compaction .compaction-mark").textContent()).resolves.toBe(COMPACTION_MARK);
    await page.locator(".message.compaction summary").click();
    await page.locator(".message.compaction p", { hasText: "PAGE SUMMARY of the work" }).waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});
