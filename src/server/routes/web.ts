// GET /: the web UI when it is built, else a small page that says the server runs. Assets live under /assets.
import type { RouteContext } from "../context.js";

function statusPage(version: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Moor</title></head><body><h1>Moor</h1><p>The moor server is running (version ${version}).</p><p>API description: <a href="/doc">/doc</a></p></body></html>`;
}

export function webRoutes(ctx: RouteContext): void {
  ctx.app.get("/", (c) => {
    c.header(
      "content-security-policy",
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; base-uri 'none'; frame-ancestors 'none'",
    );
    c.header("cache-control", "no-cache");
    return c.html(ctx.deps.webPage?.() ?? statusPage(ctx.deps.version));
  });
}
