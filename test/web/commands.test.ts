// The web page and slash commands: typing `/` lists the commands (GET /command for the session's directory), Tab
// completes one, and sending it runs the command (its template reaches the model). Headless Chromium, real
// `moor serve`; needs `npm run build`.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skip = !existsSync(CHROMIUM) || !BUILT;

let browser: Browser | undefined;
let server: ServeHandle | undefined;
let llm: FakeLlm | undefined;

beforeAll(async () => {
  if (skip) return;
  llm = await startFakeLlm();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await llm?.close();
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

describe.skipIf(skip)("the web page: slash commands", () => {
  it("lists commands under `/`, completes with Tab, and runs the command when sent", async () => {
    const fake = llm as FakeLlm;
    const home = makeTempHome(fake.url, {
      command: { greet: { template: "Greet $ARGUMENTS warmly", description: "say hello" } },
    });
    fake.script({ text: "Greeted them." });
    server = await startServe(home.env, [], home.project);
    const page = await (browser as Browser).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(server.url);
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    const box = page.getByRole("textbox", { name: "Prompt" });
    await box.fill("/");
    const list = page.locator(".command-list");
    await list.locator(".command-name", { hasText: "/greet" }).waitFor();
    await list.locator(".command-name", { hasText: "/init" }).waitFor();
    await expect(list.locator(".command-option", { hasText: "/greet" }).textContent()).resolves.toContain("say hello");
    await box.fill("/gr");
    await list.locator(".command-name", { hasText: "/init" }).waitFor({ state: "detached" });
    await box.press("Tab");
    await expect(box.inputValue()).resolves.toBe("/greet ");
    await box.pressSequentially("the team");
    await box.press("Enter");
    await page.locator(".message.assistant p", { hasText: "Greeted them." }).waitFor();
    expect(JSON.stringify(fake.requests.at(-1)?.messages)).toContain("Greet the team warmly");
    expect(problems).toEqual([]);
  });
});
