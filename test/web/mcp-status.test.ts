// The web page's top bar shows the server's MCP servers and their status (dot colour, tooltip). Headless Chromium,
// real `moor serve` with a real stdio MCP server; needs `npm run build`.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skip = !existsSync(CHROMIUM) || !BUILT;
const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");

let browser: Browser | undefined;
let server: ServeHandle | undefined;

beforeAll(async () => {
  if (skip) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  // SIGTERM: the server ends its MCP child.
  await server?.stop("SIGTERM");
  server = undefined;
});

describe.skipIf(skip)("the web page's MCP status", () => {
  it("shows each server in the top bar: connected, failed with the reason, disabled", async () => {
    const home = makeTempHome("http://127.0.0.1:9/v1");
    const file = join(home.env.MOOR_CONFIG_DIR, "moor.json");
    const config = JSON.parse(readFileSync(file, "utf8"));
    config.mcp = {
      files: { type: "local", command: [process.execPath, STDIO_SERVER] },
      broken: { type: "local", command: ["/nonexistent/mcp-server"] },
      off: { type: "local", command: ["nothing"], enabled: false },
    };
    writeFileSync(file, JSON.stringify(config));
    server = await startServe(home.env, [], home.project);
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const status = (await (await fetch(`${server.url}/mcp`)).json()) as Record<string, { status: string }>;
      if (status.files?.status === "connected") break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const page = await (browser as Browser).newPage();
    await page.goto(server.url);
    const status = page.locator(".topbar [data-mcp-status]");
    await status.waitFor();
    expect(await status.locator(".mcp-connected").getAttribute("title")).toBe("files: connected, 3 tools");
    expect(await status.locator(".mcp-failed").getAttribute("title")).toMatch(/^broken: failed \(.*ENOENT/);
    expect(await status.locator(".mcp-disabled").getAttribute("title")).toBe("off: disabled");
  });
});
