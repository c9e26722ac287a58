// The web page shows a running subagent as one tool card with its progress and a link that opens the child
// session, whose header links back (issue 15 §2). Headless Chromium (playwright-core) against a real `moor serve`
// with the fake model; needs `npm run build` (dist/web).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skipReason = !existsSync(CHROMIUM) ? `${CHROMIUM} is missing` : !BUILT ? "dist/web is not built" : undefined;
if (skipReason) console.warn(`skipping the web subagent test: ${skipReason}`);

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

describe.skipIf(skipReason)("the web page and subagents", () => {
  it("a task card shows the child's progress (tool calls) and a link that opens the child session", async () => {
    if (!browser || !server) throw new Error("not started");
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.locator(".connection[data-state=open]").waitFor();
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    llm.script(
      { toolCalls: [{ name: "task", args: { description: "Look around", prompt: "list", subagent_type: "explore" } }] },
      { toolCalls: [{ name: "glob", args: { pattern: "*.md" } }] },
      // The child's second step streams slowly: the card shows the progress meanwhile.
      { text: "CHILD SAYS the project is empty, really quite empty", delayMs: 150 },
      { text: "the parent is done" },
    );
    const box = page.getByLabel("Prompt");
    await box.fill("look around");
    await box.press("Enter");
    const card = page.locator(".tool-card[data-tool=task]");
    await card.locator(".subagent-progress", { hasText: "@explore · 1/1 tool calls · glob" }).waitFor();
    const link = card.locator("a.subagent-open");
    const childID = await link.getAttribute("data-session");
    expect(childID).toMatch(/^ses_/);
    await page.locator(".message.assistant p", { hasText: "the parent is done" }).waitFor();
    await link.click();
    await page.locator(".session-heading", { hasText: "Look around (@explore subagent)" }).waitFor();
    await page.locator(".message.assistant p", { hasText: "CHILD SAYS" }).waitFor();
    await page.locator("a.parent-session").click();
    await page.locator(".tool-card[data-tool=task]").waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});
