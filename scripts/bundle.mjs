// Bundles the CLI into dist/bundle/ (esbuild, ESM, code splitting): a handful of files to load instead of
// hundreds of modules, while lazy imports (TUI, ACP, providers) stay separate chunks loaded only when used.
// bin/moor.js prefers the bundle; dist/cli (plain tsc output) remains the fallback.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry content hashes: without a clean slate every build would leave the previous chunks behind.
rmSync("dist/bundle", { recursive: true, force: true });

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
  // Native or asset-carrying packages load from node_modules as usual (pino and
  // better-sqlite3's JavaScript are bundled: pino without transports needs no worker file, the store names
  // better-sqlite3's addon itself, and 50 CommonJS files cost more to load one by one). The provider packages too:
  // they use all of zod, and a chunk shared with them would put all of it (580 KB) on the start path, where our
  // own schemas need a fifth of it.
  external: ["bonjour-service", "ink", "react", "react/*", "@agentclientprotocol/sdk", "@ai-sdk/*"],
  banner: {
    js: "import { createRequire as __moorCreateRequire } from 'node:module'; const require = __moorCreateRequire(import.meta.url);",
  },
  jsx: "automatic",
  logLevel: "error",
});
