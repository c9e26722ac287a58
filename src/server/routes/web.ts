// GET /: the web UI when it is built (dist/web/index.html, made by scripts/build-web.mjs), else a small page that
// says the server runs. GET /assets/:file serves the bundle. Both sit behind the same authentication as the API;
// a page opened with `?auth_token=` gets its asset URLs rewritten to carry the token too.
import { existsSync, readFileSync } from "node:fs";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { RouteContext } from "../context.js";

/** dist/web: two levels up from dist/server/routes/web.js, or one up from the bundle's chunks in dist/bundle/. */
export const WEB_DIR =
  [new URL("../../web/", import.meta.url), new URL("../web/", import.meta.url)]
    .map((url) => fileURLToPath(url))
    .find((dir) => existsSync(join(dir, "index.html"))) ?? fileURLToPath(new URL("../../web/", import.meta.url));

const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; base-uri 'none'; frame-ancestors 'none'";

const CONTENT_TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
};

/** Plain names only (no slashes, no leading dot): nothing outside dist/web can be asked for. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*$/;
/** esbuild's `[name]-[hash]` names: the content never changes under the same name. */
const HASHED_NAME = /-[A-Z0-9]{8,}\.[a-z]+$/;

/** The built index.html, read once on first use; undefined when the web UI was not built. */
export function builtWebPage(dir = WEB_DIR): () => string | undefined {
  let page: string | undefined;
  let loaded = false;
  return () => {
    if (!loaded) {
      const file = join(dir, "index.html");
      page = existsSync(file) ? readFileSync(file, "utf8") : undefined;
      loaded = true;
    }
    return page;
  };
}

function statusPage(version: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Moor</title></head><body><h1>Moor</h1><p>The moor server is running (version ${version}).</p><p>API description: <a href="/doc">/doc</a></p></body></html>`;
}

/** The page loads its script and style with the token it was opened with (the browser will not add it). */
function withAssetToken(html: string, token: string | undefined): string {
  if (!token) return html;
  const query = `?auth_token=${encodeURIComponent(token)}`;
  return html.replace(/((?:src|href)="\/assets\/[^"?]+)"/g, `$1${query}"`);
}

export function webRoutes(ctx: RouteContext): void {
  const assets = new Map<string, Buffer | null>();

  ctx.app.get("/", (c) => {
    c.header("content-security-policy", CSP);
    c.header("cache-control", "no-cache");
    c.header("x-content-type-options", "nosniff");
    c.header("referrer-policy", "no-referrer");
    const page = ctx.deps.webPage?.();
    return c.html(page ? withAssetToken(page, c.req.query("auth_token")) : statusPage(ctx.deps.version));
  });

  ctx.app.get("/assets/:file", (c) => {
    const name = c.req.param("file");
    const type = CONTENT_TYPES[extname(name)];
    if (!ctx.deps.webPage || !ASSET_NAME.test(name) || !type) {
      return c.json({ error: { code: "not_found", message: `No asset ${name}` } }, 404);
    }
    if (!assets.has(name)) {
      const file = join(WEB_DIR, name);
      assets.set(name, existsSync(file) ? readFileSync(file) : null);
    }
    const body = assets.get(name);
    if (!body) return c.json({ error: { code: "not_found", message: `No asset ${name}` } }, 404);
    c.header("content-type", type);
    c.header("x-content-type-options", "nosniff");
    c.header("content-security-policy", CSP);
    c.header("cache-control", HASHED_NAME.test(name) ? "public, max-age=31536000, immutable" : "no-cache");
    return c.body(new Uint8Array(body));
  });
}
