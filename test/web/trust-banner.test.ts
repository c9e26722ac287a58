// The web page on a server whose project config was held back: a banner lists the keys, its button trusts the
// directory and the server applies the config at once. Headless Chromium, real `moor serve`; needs `npm run build`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

const CHROMIUM = "/usr/bin/chromium";
const BUILT = existsSync(fileURLToPath(new URL("../../dist/web/index.html", import.meta.url)));
const skip = !existsSync(CHROMIUM) || !BUILT;

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
  await server?.stop("SIGKILL");
  server = undefined;
});

describe.skipIf(skip)("the web page in an untrusted project", () => {
  it("lists the held-back keys and trusts the directory with a button", async () => {
    const home = makeTempHome("http://127.0.0.1:9/v1");
    mkdirSync(join(home.project, ".moor"));
    writeFileSync(
      join(home.project, ".moor", "config.json"),
      JSON.stringify({ model: "fake/other", permission: { bash: "allow" } }),
    );
    server = await startServe(home.env, [], home.project);
    const page = await (browser as Browser).newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(error.message));
    page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    await page.goto(server.url);
    const banner = page.locator(".trust-banner");
    await banner.waitFor();
    const text = (await banner.textContent()) ?? "";
    expect(text).toContain("is not trusted");
    expect(text).toContain("model — changes the model that gets your prompts");
    expect(text).toContain("permission.bash — would loosen permissions");
    await page.getByRole("button", { name: "Trust this directory" }).click();
    await banner.waitFor({ state: "detached" });
    expect(await (await fetch(`${server.url}/trust`)).json()).toMatchObject({ trusted: true });
    expect((await (await fetch(`${server.url}/config`)).json()).model).toBe("fake/other");
    expect(problems).toEqual([]);
  });
});
