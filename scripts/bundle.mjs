// Bundles the CLI into dist/bundle/ (esbuild, ESM, code splitting): a handful of files to load instead of
// hundreds of modules, while lazy imports (TUI, ACP, providers) stay separate chunks loaded only when used.
// bin/moor.js prefers the bundle; dist/cli (plain tsc output) remains the fallback.
import { build } from "esbuild";

await build({
  entryPoints: { main: "src/cli/main.ts" },
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // ESM builds first: some packages (jsonc-parser) ship a UMD main that esbuild cannot follow.
  mainFields: ["module", "main"],
  minifyWhitespace: true,
  minifySyntax: true,
  // Native, worker-based or asset-carrying packages load from node_modules as usual.
  external: ["better-sqlite3", "pino", "bonjour-service", "ink", "react", "react/*", "@agentclientprotocol/sdk"],
  banner: {
    js: "import { createRequire as __moorCreateRequire } from 'node:module'; const require = __moorCreateRequire(import.meta.url);",
  },
  jsx: "automatic",
  logLevel: "error",
});
