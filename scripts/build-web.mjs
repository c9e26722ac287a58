// Bundles the web UI (src/web, Preact) into dist/web: app-<hash>.js, app-<hash>.css and an index.html naming them.
// Hashed names let the server cache assets forever; index.html itself is served with no-cache. Nothing comes from a
// CDN: the page must work offline and under a `'self'`-only Content-Security-Policy.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { basename } from "node:path";
import { build } from "esbuild";

const outdir = "dist/web";
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

const result = await build({
  entryPoints: { app: "src/web/main.tsx" },
  bundle: true,
  platform: "browser",
  format: "esm",
  target: "es2022",
  minify: true,
  jsx: "automatic",
  jsxImportSource: "preact",
  entryNames: "[name]-[hash]",
  outdir,
  metafile: true,
  legalComments: "none",
  logLevel: "warning",
});

const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
const script = outputs.find((file) => file.endsWith(".js"));
const style = outputs.find((file) => file.endsWith(".css"));
if (!script || !style) throw new Error(`build-web: expected a .js and a .css output, got ${outputs.join(", ")}`);

// Asset URLs are relative to /assets/; the server appends ?auth_token= to them when the page was opened with one.
writeFileSync(
  `${outdir}/index.html`,
  `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Moor</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/assets/${style}">
<script type="module" src="/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
<noscript>The Moor web UI needs JavaScript.</noscript>
</body>
</html>
`,
);
