// The web UI end to end: headless Debian Chromium (playwright-core) against a real `moor serve` with the fake
// model. Needs `npm run build` (dist/web); screenshots land in test/artifacts/ (gitignored).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../artifacts/", import.meta.url));
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skipReason = !existsSync(CHROMIUM)
  ? `${CHROMIUM} is missing (apt-get install chromium)`
  : !BUILT
    ? "dist/web is not built (npm run build)"
    : undefined;
if (skipReason) console.warn(`skipping the web UI test: ${skipReason}`);

let llm: FakeLlm;
let browser: Browser;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
  if (skipReason) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await llm.close();
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

async function openPage(url: string, options: { width?: number; dark?: boolean } = {}): Promise<Page> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1200, height: 820 },
    colorScheme: options.dark ? "dark" : "light",
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(error.message));
  // A CSP violation or a failed asset shows up as a console error.
  page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
  (page as Page & { problems: string[] }).problems = problems;
  await page.goto(url);
  await page.locator(".connection[data-state=open]").waitFor();
  return page;
}

const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;

async function send(page: Page, text: string): Promise<void> {
  const box = page.getByLabel("Prompt");
  await box.fill(text);
  await box.press("Enter");
}

describe.skipIf(skipReason)("the web UI", () => {
  it("creates a session, streams a reply, shows a tool card, answers a permission, aborts, survives a reload", async () => {
    home = makeTempHome(llm.url, { permission: { edit: "ask" } });
    server = await startServe(home.env, [], home.project);
    const page = await openPage(server.url);
    await expect(page.title()).resolves.toBe("Moor");

    // New session, then a streamed Markdown reply with folded reasoning and a highlighted code block.
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    llm.script({
      reasoning: "Thinking about a greeting.",
      text: "Hello **world**, this is `moor`.\n\n```js\nconst answer = 42; // why\n```\n\n- one\n- two",
      delayMs: 20,
    });
    await send(page, "say hello <script>alert(1)</script>");
    const reply = page.locator(".message.assistant").first();
    await reply.locator("strong", { hasText: "world" }).waitFor();
    await reply.locator("pre.code .hljs-keyword", { hasText: "const" }).waitFor();
    await expect(reply.locator("details.reasoning").getAttribute("open")).resolves.toBeNull();
    await expect(page.locator(".message.user .bubble").first().textContent()).resolves.toContain("<script>");
    await page.locator(".session-header .badge-idle").waitFor();
    await page.locator(".session-header .tokens").waitFor();

    // A write that asks first: the banner, Allow once, then the tool card with its diff.
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "a.txt", content: "x\n" } }] },
      { text: "done", delayMs: 30 },
    );
    await send(page, "write a.txt");
    const banner = page.locator(".permission");
    await banner.waitFor();
    await expect(banner.textContent()).resolves.toContain("a.txt");
    // What "Always" grants is on the banner before anyone chooses.
    await expect(banner.textContent()).resolves.toContain(`Always allow: ${home.project}/a.txt`);
    await page.screenshot({ path: `${ARTIFACTS}web-permission-banner.png` });
    await banner.getByRole("button", { name: "Allow once" }).click();
    await banner.waitFor({ state: "detached" });
    const card = page.locator(".tool-card[data-tool=write]");
    await card.locator(".badge-completed").waitFor();
    await expect(card.locator(".diff-add").allTextContents()).resolves.toContain("+x\n");
    await page.locator(".message.assistant p", { hasText: "done" }).waitFor();
    await page.locator(".session-header .badge-idle").waitFor();
    await card.scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}web-session-tool-card.png` });
    expect(existsSync(`${home.project}/a.txt`)).toBe(true);

    // The plan agent: the same kind of write is refused without asking, and nothing is written.
    await page.getByLabel("Agent").selectOption("plan");
    llm.script(
      { toolCalls: [{ name: "write", args: { filePath: "b.txt", content: "y\n" } }] },
      { text: "planned instead" },
    );
    await send(page, "plan b.txt");
    await page.locator(".message.assistant p", { hasText: "planned instead" }).waitFor();
    await page.locator(".tool-card[data-tool=write] .badge-error").waitFor();
    expect(existsSync(`${home.project}/b.txt`)).toBe(false);
    await page.getByLabel("Agent").selectOption("build");

    // Abort a turn that never finishes on its own.
    llm.script({ text: "Thinking forever", hang: true });
    await send(page, "take your time");
    await page.locator(".message.assistant p", { hasText: "Thinking forever" }).waitFor();
    await page.getByRole("button", { name: "Abort" }).click();
    await page.locator(".message-error.aborted").waitFor();
    await page.locator(".session-header .badge-idle").waitFor();

    // Reload mid-turn: the page comes back on the same session and the stream goes on to the end.
    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(" ");
    llm.script({ text: `${words} THE-END`, delayMs: 40 });
    await send(page, "count");
    await page.locator(".message.assistant p", { hasText: "w5" }).waitFor();
    await page.reload();
    await page.locator(".connection[data-state=open]").waitFor();
    await page.locator(".message.assistant p", { hasText: "THE-END" }).waitFor({ timeout: 15_000 });
    const finalText = await page.locator(".message.assistant p", { hasText: "THE-END" }).textContent();
    expect(finalText).toBe(`${words} THE-END`);
    expect(problemsOf(page)).toEqual([]);
  }, 120_000);

  it("lists, renames and deletes sessions; works at phone width in dark mode", async () => {
    home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    for (const title of ["Refactor the parser", "Fix flaky test"]) {
      await fetch(`${server.url}/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title }),
      });
    }
    const page = await openPage(server.url, { width: 390, dark: true });
    await page.locator(".session-item", { hasText: "Fix flaky test" }).waitFor();
    await expect(page.locator(".session-item").count()).resolves.toBe(2);
    await expect(page.locator(".session-item .badge-idle").count()).resolves.toBe(2);
    await page.screenshot({ path: `${ARTIFACTS}web-session-list-phone-dark.png` });

    // Phone width: the list gives way to the session, and Back returns to it.
    await page.locator(".session-item", { hasText: "Fix flaky test" }).click();
    await page.locator(".session-heading", { hasText: "Fix flaky test" }).waitFor();
    await expect(page.locator(".sidebar").isVisible()).resolves.toBe(false);
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByLabel("Session title").fill("Fix the flaky test");
    await page.getByLabel("Session title").press("Enter");
    await page.locator(".session-heading", { hasText: "Fix the flaky test" }).waitFor();

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Delete" }).click();
    await page.locator(".session-item", { hasText: "Fix the flaky test" }).waitFor({ state: "detached" });
    await expect(page.locator(".session-item").count()).resolves.toBe(1);
    const remaining = (await (await fetch(`${server.url}/session`)).json()) as { title: string }[];
    expect(remaining.map((session) => session.title)).toEqual(["Refactor the parser"]);
    expect(problemsOf(page)).toEqual([]);
  }, 60_000);

  it("shows the connection going away and coming back, then refetches (server.resync) after a restart", async () => {
    home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    const port = new URL(server.url).port;
    const page = await openPage(server.url);
    await server.stop("SIGKILL");
    await page.locator(".connection[data-state=reconnecting]").waitFor();
    // A new server run on the same port: the page's Last-Event-ID belongs to the old run, so it must refetch.
    server = await startServe(home.env, ["--port", port], home.project);
    await fetch(`${server.url}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Made while you were away" }),
    });
    await page.locator(".connection[data-state=open]").waitFor({ timeout: 15_000 });
    await page.locator(".session-item", { hasText: "Made while you were away" }).waitFor();
  }, 60_000);

  it("keeps a session created while the list's first page was on its way (read before it, answered after its event)", async () => {
    home = makeTempHome(llm.url);
    server = await startServe(home.env, [], home.project);
    const url = server.url;
    const context = await browser.newContext({ viewport: { width: 1200, height: 820 } });
    const page = await context.newPage();
    let read: () => void = () => {};
    const pageRead = new Promise<void>((resolve) => (read = resolve));
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    // The first page is read from the server at once, and handed to the page only once the session created after
    // that read has had its event delivered.
    await page.route(
      (target) => target.pathname === "/session" && target.searchParams.has("limit"),
      async (route) => {
        if (route.request().method() !== "GET") return route.continue();
        const response = await route.fetch();
        read();
        await released;
        await route.fulfill({ response });
      },
    );
    await page.goto(url);
    await pageRead;
    await fetch(`${url}/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Created meanwhile" }),
    });
    // Time for the event to reach the page (if it came later still, it would be folded in anyway).
    await new Promise((resolve) => setTimeout(resolve, 500));
    release();
    await page.locator(".session-item", { hasText: "Created meanwhile" }).waitFor({ timeout: 10_000 });
    await context.close();
  }, 60_000);

  it("serves assets with cache headers and a strict CSP, and authenticates with ?auth_token=", async () => {
    home = makeTempHome(llm.url);
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: "s3cret" }, [], home.project);
    const denied = await fetch(`${server.url}/`);
    expect(denied.status).toBe(401);
    const index = await fetch(`${server.url}/?auth_token=s3cret`);
    expect(index.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(index.headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(index.headers.get("cache-control")).toBe("no-cache");
    const html = await index.text();
    const script = /src="(\/assets\/app-[^"]+)"/.exec(html)?.[1];
    expect(script).toMatch(/\?auth_token=s3cret$/);
    const asset = await fetch(`${server.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("text/javascript");
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const missing = await fetch(`${server.url}/assets/..%2Fpackage.json?auth_token=s3cret`);
    expect(missing.status).toBe(404);

    await fetch(`${server.url}/session?auth_token=s3cret`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ title: "Behind a password" }),
    });
    const page = await openPage(`${server.url}/?auth_token=s3cret`);
    await page.locator(".session-item", { hasText: "Behind a password" }).waitFor();
    expect(problemsOf(page)).toEqual([]);
  }, 60_000);

  it("the agent picker lists the server's primary agents (GET /agent), a configured and a markdown one included", async () => {
    home = makeTempHome(llm.url, {
      agent: {
        review: { description: "Reviews code", mode: "primary" },
        helper: { mode: "subagent" },
        secret: { mode: "primary", hidden: true },
      },
    });
    mkdirSync(join(home.env.MOOR_CONFIG_DIR, "agents"), { recursive: true });
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "agents", "docs.md"), "---\nmode: primary\n---\nWrite docs.");
    server = await startServe(home.env, [], home.project);
    const page = await openPage(server.url);
    await page.getByRole("button", { name: "+ New session" }).click();
    await page.locator(".session-view").waitFor();
    const picker = page.getByLabel("Agent");
    await picker.locator("option[value=review]").waitFor({ state: "attached" });
    await expect(picker.locator("option").allTextContents()).resolves.toEqual(["Build", "Plan", "Review", "Docs"]);
    await expect(picker.inputValue()).resolves.toBe("build");
    await picker.selectOption("review");
    await expect(picker.getAttribute("title")).resolves.toBe("Reviews code");
    llm.script({ text: "reviewed from the page" });
    await send(page, "review it");
    await page.locator(".message.assistant p", { hasText: "reviewed from the page" }).waitFor();
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const messages = (await (await fetch(`${server.url}/session/${sessions[0].id}/message`)).json()) as {
      info: { role: string; agent?: string };
    }[];
    expect(messages[0].info).toMatchObject({ role: "user", agent: "review" });
    expect(problemsOf(page)).toEqual([]);
  }, 60_000);
});
