// The web page's session screen at the level of OpenCode's: a permission question inside the tool card that asks it
// with the diff open, Esc aborting a running turn, a live spinner with elapsed time, token counts that an abort does
// not reset, prompts sent while busy held as "queued" and cancellable, a session search, human titles, and a phone
// width (390 px) at which the Send button and the header fit. Headless Chromium against a real `moor serve`.
import { existsSync } from "node:fs";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, lastUserText, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { ARTIFACTS, launchBrowser, newSession, openPage, send, skipReason } from "./browser.js";

let llm: FakeLlm;
let browser: Browser;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  if (!skipReason) browser = await launchBrowser();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await llm.close();
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

async function createSession(title?: string): Promise<{ id: string }> {
  const response = await fetch(`${server?.url}/session`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(title ? { title } : {}),
  });
  return (await response.json()) as { id: string };
}

/** The element's box lies inside the viewport's width (nothing cut off at the right or the left). */
async function insideViewport(page: Page, element: Locator): Promise<boolean> {
  const box = await element.boundingBox();
  const width = page.viewportSize()?.width ?? 0;
  return box !== null && box.x >= 0 && box.x + box.width <= width;
}

describe.skipIf(skipReason)("the web page: the session screen", () => {
  it("asks an edit's permission inside its tool card with the diff open, then shows the finished card", async () => {
    const home = makeTempHome(llm.url, { permission: { edit: "ask" } });
    server = await startServe(home.env, [], home.project);
    const { page, problems } = await openPage(browser, server.url);
    await newSession(page);
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "notes.txt", content: "first line\nsecond line\n" } }] },
      { text: "written" },
    );
    await send(page, "write notes");
    const card = page.locator(".tool-card[data-tool=write]");
    const question = card.locator(".permission");
    await question.waitFor();
    // The diff is open (not folded in a <details>), its added lines visible, before anyone answers.
    const added = question.locator("pre.diff .diff-add", { hasText: "+second line" });
    await expect(added.isVisible()).resolves.toBe(true);
    // Numbered like the file it changes: the second line of the new file.
    await expect(added.locator(".ln-new").getAttribute("data-new")).resolves.toBe("2");
    await expect(question.textContent()).resolves.toContain(`Always allow: ${home.project}/notes.txt`);
    await expect(page.locator(".working").textContent()).resolves.toContain("waiting for your answer");
    // Asked in the card, so not a second time in the page's banner.
    await expect(page.locator(".permissions").count()).resolves.toBe(0);
    await page.screenshot({ path: `${ARTIFACTS}web-permission-diff.png` });
    await question.getByRole("button", { name: "Allow once" }).click();
    await card.locator(".badge-completed").waitFor();
    await expect(card.locator(".permission").count()).resolves.toBe(0);
    await page.locator(".message.assistant p", { hasText: "written" }).waitFor();
    expect(existsSync(`${home.project}/notes.txt`)).toBe(true);
    expect(problems).toEqual([]);
  }, 60_000);

  it("Esc aborts a running turn; the spinner counts time; an abort does not reset the tokens to 0", async () => {
    const home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    const { page, problems } = await openPage(browser, server.url);
    await newSession(page);
    llm.script({ text: "counted", usage: { prompt_tokens: 1234, completion_tokens: 56 } });
    await send(page, "count tokens");
    await page.locator(".message.assistant p", { hasText: "counted" }).waitFor();
    const tokens = page.locator(".session-header .tokens");
    await expect(tokens.textContent()).resolves.toBe("in 1.2k · out 56");
    await expect(page.locator(".reply-footer").textContent()).resolves.toMatch(/^build · fake\/echo · \d/);

    llm.script({ text: "Thinking forever", hang: true });
    await send(page, "take your time");
    await page.locator(".message.assistant p", { hasText: "Thinking forever" }).waitFor();
    const working = page.locator(".working");
    await expect(working.locator(".spinner").count()).resolves.toBe(1);
    await expect(working.textContent()).resolves.toMatch(/working\d+(\.\d)?s/);
    // Esc on the page (the prompt box has the focus) aborts the turn.
    await page.getByLabel("Prompt").press("Escape");
    await page.locator(".message-error.aborted").waitFor();
    await page.locator(".session-header .badge-idle").waitFor();
    await expect(working.count()).resolves.toBe(0);
    await expect(tokens.textContent()).resolves.toBe("in 1.2k · out 56");
    expect(problems).toEqual([]);
  }, 60_000);

  it("holds a prompt sent while busy as queued; Cancel drops it, the others are sent when the turn ends", async () => {
    const home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    const { page, problems } = await openPage(browser, server.url);
    await newSession(page);
    llm.script({ text: "Busy for a while", hang: true }, { text: "answered the third" });
    await send(page, "first");
    await page.locator(".message.assistant p", { hasText: "Busy for a while" }).waitFor();
    await send(page, "second");
    await send(page, "third");
    const queued = page.locator(".message.user.queued");
    await expect(queued.allTextContents()).resolves.toEqual(["queuedsecondCancel", "queuedthirdCancel"]);
    await page.screenshot({ path: `${ARTIFACTS}web-queued.png` });
    await queued.filter({ hasText: "second" }).getByRole("button", { name: "Cancel" }).click();
    await expect(queued.allTextContents()).resolves.toEqual(["queuedthirdCancel"]);
    await page.getByRole("button", { name: "Abort" }).click();
    await page.locator(".message.assistant p", { hasText: "answered the third" }).waitFor();
    await expect(queued.count()).resolves.toBe(0);
    // The cancelled prompt never reached the server, nor the model.
    const prompts = llm.requests.map(lastUserText);
    expect(prompts.at(-1)).toBe("third");
    expect(prompts).not.toContain("second");
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const messages = (await (await fetch(`${server.url}/session/${sessions[0].id}/message`)).json()) as {
      info: { role: string };
      parts: { type: string; text?: string }[];
    }[];
    const userTexts = messages.filter((m) => m.info.role === "user").map((m) => m.parts[0]?.text);
    expect(userTexts).toEqual(["first", "third"]);
    expect(problems).toEqual([]);
  }, 60_000);

  it("searches sessions, shows human titles, and fits a 390 px phone with the Send button on screen", async () => {
    // Long names in the pickers, as real providers and agents have: the pickers must give way, not the buttons.
    const home = makeTempHome(llm.url, {
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llm.url, apiKey: "test-key" },
          models: {
            echo: { name: "Echo", tool_call: true },
            "echo-long": { name: "Echo Sonnet 4.5 (1M context, extended thinking, preview)", tool_call: true },
          },
        },
      },
      agent: { "documentation-writer": { description: "Writes the docs", mode: "primary" } },
    });
    server = await startServe(home.env, [], home.project);
    await createSession("Refactor the parser");
    await createSession("Fix the flaky upload test in the storage layer of the server");
    await createSession();
    const { page, problems } = await openPage(browser, server.url, { width: 390, height: 760 });
    const items = page.locator(".session-item .session-title");
    await page.locator(".session-item", { hasText: "Refactor the parser" }).waitFor();
    await expect(items.count()).resolves.toBe(3);
    // The server's placeholder title ("New session - <ISO time>") is shown as a person would write it.
    const titles = await items.allTextContents();
    expect(titles.some((title) => /^New session · \S/.test(title))).toBe(true);
    expect(titles.join("\n")).not.toMatch(/\d{4}-\d\d-\d\dT/);

    // The search is the server's (GET /session?search=), answered after a short pause in typing.
    const search = page.getByLabel("Search sessions");
    await search.fill("flaky");
    await expect
      .poll(() => items.allTextContents())
      .toEqual(["Fix the flaky upload test in the storage layer of the server"]);
    await search.fill("PARSER refactor");
    await expect.poll(() => items.allTextContents()).toEqual(["Refactor the parser"]);
    await search.fill("nothing like this");
    await page.locator(".session-list .empty", { hasText: "No session matches" }).waitFor();
    await search.fill("");
    await expect.poll(() => items.count()).toBe(3);

    // A long title, a busy turn (so Abort shows beside Send): everything still fits at 390 px.
    await search.fill("flaky");
    await expect.poll(() => items.count()).toBe(1);
    await page.locator(".session-item").first().click();
    await page.locator(".session-view").waitFor();
    await page.getByLabel("Model").selectOption("fake/echo-long");
    await page.getByLabel("Agent").locator("option[value=documentation-writer]").waitFor({ state: "attached" });
    await page.getByLabel("Agent").selectOption("documentation-writer");
    llm.script({ text: "Working on it", hang: true });
    await send(page, "go");
    await page.getByRole("button", { name: "Abort" }).waitFor();
    for (const control of [
      page.getByRole("button", { name: "Send" }),
      page.getByRole("button", { name: "Abort" }),
      page.getByRole("button", { name: "Delete" }),
      page.getByRole("button", { name: "Compact" }),
      page.getByRole("button", { name: "Rename" }),
      page.locator(".connection"),
    ]) {
      expect(await insideViewport(page, control)).toBe(true);
    }
    await expect(page.evaluate(() => document.documentElement.scrollWidth)).resolves.toBeLessThanOrEqual(390);
    await page.screenshot({ path: `${ARTIFACTS}web-phone.png` });
    await page.keyboard.press("Escape");
    await page.locator(".message-error.aborted").waitFor();
    expect(problems).toEqual([]);
  }, 60_000);
});
