// The web page's undo: "Undo from here" on a prompt takes back its bash step's file change and hides the turn; the
// Redo bar brings both back. Headless Chromium (playwright-core) against a real `moor serve` with the fake model;
// needs `npm run build` (dist/web).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skipReason = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing` : !BUILT ? "dist/web is not built" : undefined;
if (skipReason) console.warn(`skipping the web undo test: ${skipReason}`);

let llm: FakeLlm;
let browser: Browser | undefined;
let server: ServeHandle | undefined;
let home: TempHome;

beforeAll(async () => {
  llm = await startFakeLlm();
  if (skipReason) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
  home = makeTempHome(llm.url, { permission: { bash: "allow", edit: "allow" } });
  server = await startServe(home.env, [], home.project);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGKILL");
  await llm.close();
  if (home) rmSync(home.root, { recursive: true, force: true });
});

describe.skipIf(skipReason)("the web page's undo", () => {
  it("Undo from here takes a prompt's file change back and hides its turn; Redo brings both back", async () => {
    if (!browser || !server) throw new Error("not started");
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.locator(".connection[data-state=open]").waitFor();
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    llm.script(
      { toolCalls: [{ name: "bash", args: { command: "echo agent > page.txt" } }] },
      { text: "wrote the page file" },
    );
    const box = page.getByLabel("Prompt");
    await box.fill("write it");
    await box.press("Enter");
    await page.locator(".message.assistant p", { hasText: "wrote the page file" }).waitFor();
    const file = `${home.project}/page.txt`;
    expect(readFileSync(file, "utf8")).toBe("agent\n");

    await page.getByRole("button", { name: "Undo from here" }).click();
    await page.locator(".revert-bar").waitFor();
    expect(existsSync(file)).toBe(false);
    await expect(page.locator(".message.user").count()).resolves.toBe(0);

    await page.getByRole("button", { name: "Redo" }).click();
    await page.locator(".revert-bar").waitFor({ state: "detached" });
    await page.locator(".message.assistant p", { hasText: "wrote the page file" }).waitFor();
    expect(readFileSync(file, "utf8")).toBe("agent\n");
    expect(problems).toEqual([]);
  }, 60_000);
});
