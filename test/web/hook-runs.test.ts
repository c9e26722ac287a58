// The web page shows each hook run in the transcript folded to one line (issue 19 §3), which opens on a click to the
// run's output. Headless Chromium (playwright-core) against a real `moor serve` with a `session.idle` hook and the
// fake model; needs `npm run build` (dist/web).
import { existsSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skipReason = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing` : !BUILT ? "dist/web is not built" : undefined;
if (skipReason) console.warn(`skipping the web hook runs test: ${skipReason}`);

const HOOK = "echo idle hook says hello";

let llm: FakeLlm;
let browser: Browser | undefined;
let server: ServeHandle | undefined;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
  if (skipReason) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  home = makeTempHome(llm.url, { hooks: { "session.idle": [{ command: HOOK }] } });
  server = await startServe(home.env, [], home.project);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  await llm.close();
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe.skipIf(skipReason)("the web page's hook runs", () => {
  it("shows a session.idle hook's run as one folded line that opens to its output", async () => {
    if (!browser || !server) throw new Error("not started");
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.locator(".connection[data-state=open]").waitFor();
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    llm.script({ text: "all done here" });
    const box = page.getByLabel("Prompt");
    await box.fill("finish the turn");
    await box.press("Enter");
    await page.locator(".message.assistant p", { hasText: "all done here" }).waitFor();

    const run = page.locator(".hook-runs details.hook-run");
    await run.waitFor();
    const line = run.locator("summary");
    expect(await line.textContent()).toMatch(/session\.idle.*echo idle hook says hello.*exit 0/);
    // Folded: the output is in the page but not shown until the line is clicked.
    const output = run.locator("pre");
    expect(await run.evaluate((element) => (element as HTMLDetailsElement).open)).toBe(false);
    expect(await output.isVisible()).toBe(false);
    await line.click();
    await output.waitFor({ state: "visible" });
    expect(await output.textContent()).toContain("idle hook says hello");
    expect(problems).toEqual([]);
  });
});
