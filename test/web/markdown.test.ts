// The web page renders a reply's Markdown with marked (GFM) and lowlight into DOM nodes: tables, nested lists and
// highlighted code; whatever the model writes (script tags, raw HTML, `javascript:` links, <img onerror>) injects
// nothing. Headless Chromium against a real `moor serve`; needs `npm run build`.
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
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

const REPLY = [
  "## Plan",
  "",
  "| File | Change |",
  "|:-----|-------:|",
  "| `a.ts` | **rename** |",
  "| b.ts | 3 lines |",
  "",
  "- top",
  "  - nested *one*",
  "  - nested two",
  "- [x] done task",
  "",
  "1. first",
  "2. second",
  "",
  "> quoted ~~old~~ text",
  "",
  "```ts",
  "const answer: number = 42; // why",
  "```",
  "",
  'Raw <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> and <b>bold tag</b>.',
  "",
  "<script>window.__pwned = 3</script>",
  "",
  '<iframe src="javascript:window.__pwned=4"></iframe>',
  "",
  "[bad](javascript:window.__pwned=5) [data](data:text/html,hi) [good](https://example.com) <https://moor.dev>",
  "",
  "![pic](javascript:alert(1)) AT&amp;T &lt;tag&gt;",
].join("\n");

describe.skipIf(skipReason)("the web page: Markdown", () => {
  it("renders tables, nested lists and highlighted code, and injects nothing the model writes", async () => {
    const home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    const { page, problems } = await openPage(browser, server.url);
    await newSession(page);
    llm.script({ text: REPLY });
    await send(page, "show me markdown");
    const reply = page.locator(".message.assistant .markdown").first();
    await reply.locator("a", { hasText: "good" }).waitFor();

    // A GFM table is a <table>, its header cells <th>, alignment kept, inline Markdown inside cells.
    const table = reply.locator("table");
    await expect(table.locator("th").allTextContents()).resolves.toEqual(["File", "Change"]);
    await expect(table.locator("tbody tr").count()).resolves.toBe(2);
    await expect(table.locator("tbody td code").textContent()).resolves.toBe("a.ts");
    await expect(table.locator("tbody td strong").textContent()).resolves.toBe("rename");
    await expect(
      table
        .locator("th")
        .nth(1)
        .evaluate((cell) => getComputedStyle(cell).textAlign),
    ).resolves.toBe("right");
    // Nested lists nest, a task item has its checkbox, ordered lists are <ol>.
    await expect(reply.locator("ul > li > ul > li").allTextContents()).resolves.toEqual(["nested one", "nested two"]);
    await expect(reply.locator("ul > li > ul > li em").textContent()).resolves.toBe("one");
    await expect(reply.locator("li.task input[type=checkbox]").isChecked()).resolves.toBe(true);
    await expect(reply.locator("ol > li").allTextContents()).resolves.toEqual(["first", "second"]);
    await expect(reply.locator("blockquote del").textContent()).resolves.toBe("old");
    await expect(reply.locator("h4").textContent()).resolves.toBe("Plan");
    // The code block is highlighted by lowlight: highlight.js classes on spans.
    await expect(reply.locator("pre.code .hljs-keyword").first().textContent()).resolves.toBe("const");
    await expect(reply.locator("pre.code .hljs-comment").textContent()).resolves.toBe("// why");

    // Nothing injected: no script, img or iframe element, no handler ran, no link but http(s)/mailto.
    await expect(reply.locator("script, img, iframe, b").count()).resolves.toBe(0);
    await expect(page.evaluate(() => (window as { __pwned?: number }).__pwned)).resolves.toBeUndefined();
    const hrefs = await reply.locator("a").evaluateAll((links) => links.map((link) => link.getAttribute("href")));
    expect(hrefs).toEqual(["https://example.com", "https://moor.dev"]);
    const text = (await reply.textContent()) ?? "";
    expect(text).toContain("<script>window.__pwned = 1</script>");
    expect(text).toContain('<img src=x onerror="window.__pwned = 2">');
    expect(text).toContain("[bad](javascript:window.__pwned=5)");
    expect(text).toContain("AT&T <tag>");
    await reply.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}web-markdown.png`, fullPage: true });
    expect(problems).toEqual([]);
  }, 60_000);
});
