// Shared set-up of the browser tests: headless Debian Chromium (playwright-core) against a real `moor serve` with
// the fake model. The tests skip when Chromium or the built page (npm run build) is missing.
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

const CHROMIUM = "/usr/bin/chromium";
export const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
export const skipReason = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !BUILT
    ? "dist/web is not built (npm run build)"
    : undefined;

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"],
  });
}

export interface TestPage {
  page: Page;
  /** Page errors and console errors (a CSP violation or a failed asset shows up as one). */
  problems: string[];
}

export async function openPage(
  browser: Browser,
  url: string,
  options: { width?: number; height?: number } = {},
): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1200, height: options.height ?? 820 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  page.on("dialog", (dialog) => problems.push(`dialog: ${dialog.message()}`));
  await page.goto(url);
  await page.locator(".connection[data-state=open]").waitFor();
  return { page, problems };
}

export async function newSession(page: Page): Promise<void> {
  await page.getByRole("button", { name: "+ New session" }).click();
  await page.locator(".session-view").waitFor();
}

export async function send(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Prompt");
  await box.fill(text);
  await box.press("Enter");
}
