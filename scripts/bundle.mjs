// Bundles the CLI (esbuild):
// - dist/bundle/moor.cjs, one CommonJS file (already in Node's module wrapper), for every command but `attach` (Ink's ES-module-only dependencies).
//   bin/moor.cjs runs it through vm.Script with V8's code cache, which Node 20 offers for scripts but not for ES
//   modules: compiling the bundle was about a third of `moor serve`'s start. Our lazy imports stay lazy inside the
//   file (esbuild wraps them); the external packages' import() calls go through the launcher (see below).
// - dist/bundle/providers/, one CommonJS file per provider package, which moor.cjs requires on a turn's first need.
// - dist/esm/, ES modules with code splitting, for `moor attach` (Ink), whose dependencies cannot be require()d.
//   It sits as deep as dist/bundle/, so paths relative to the code hold.
// dist/cli (plain tsc output) remains the fallback.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// A clean slate, which also drops a code cache made for the previous bundle and chunks of the previous build.
rmSync("dist/bundle", { recursive: true, force: true });
rmSync("dist/esm", { recursive: true, force: true });

/** node-server's HTTP/2 checks answered without loading node:http2: see bundle-shims/no-http2.mjs. */
const noHttp2ForNodeServer = {
  name: "no-http2-for-node-server",
  setup(build) {
    const shim = fileURLToPath(new URL("bundle-shims/no-http2.mjs", import.meta.url));
    build.onResolve({ filter: /^(node:)?http2$/ }, (args) =>
      args.importer.includes("@hono/node-server") ? { path: shim } : undefined,
    );
  },
};

/** commander's node:child_process loaded on its first use: see bundle-shims/lazy-child-process.cjs. */
const lazyChildProcessForCommander = {
  name: "lazy-child-process-for-commander",
  setup(build) {
    const shim = fileURLToPath(new URL("bundle-shims/lazy-child-process.cjs", import.meta.url));
    build.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      args.importer.includes("node_modules/commander/") ? { path: shim } : undefined,
    );
  },
};

/**
 * jsonc-parser's modules have no side effects but do not say so: marked, what moor does not use of it (the formatter
 * and its ~1,200 cached indentation strings, built at load: ~5 ms before `moor acp`'s initialize) drops out.
 */
const jsoncParserWithoutSideEffects = {
  name: "jsonc-parser-without-side-effects",
  setup(build) {
    build.onResolve({ filter: /.*/ }, async (args) => {
      const ours = args.path === "jsonc-parser" || args.importer.includes("/node_modules/jsonc-parser/");
      if (!ours || args.pluginData?.resolvingJsonc) return undefined;
      const { path, external, namespace, errors } = await build.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: { resolvingJsonc: true },
      });
      return errors.length > 0 ? { errors } : { path, external, namespace, sideEffects: false };
    });
  },
};

const common = {
  entryPoints: { main: "src/cli/main.ts" },
  bundle: true,
  platform: "node",
  target: "node20",
  // ESM builds first: some packages (jsonc-parser) ship a UMD main that esbuild cannot follow.
  mainFields: ["module", "main"],
  minifyWhitespace: true,
  minifySyntax: true,
  // Native, ESM-only or asset-carrying packages load from node_modules as usual (pino and better-sqlite3's
  // JavaScript are bundled: pino without transports needs no worker file, and the store names better-sqlite3's
  // addon itself). The provider packages are kept out of the CLI's bundles: they use all of zod, which our own
  // schemas need a fifth of, and load only when a turn runs (the CommonJS bundle from files of their own, below).
  // web-tree-sitter (the shell parser behind bash permissions) loads from node_modules on the first command.
  // pg (the PostgreSQL store) too: only `--store postgres://…` loads it.
  external: [
    "bonjour-service",
    "ink",
    "react",
    "react/*",
    "@agentclientprotocol/sdk",
    "@ai-sdk/*",
    "web-tree-sitter",
    "pg",
  ],
  jsx: "automatic",
  plugins: [noHttp2ForNodeServer, lazyChildProcessForCommander, jsoncParserWithoutSideEffects],
  logLevel: "error",
};

await build({
  ...common,
  outdir: "dist/esm",
  splitting: true,
  format: "esm",
  banner: {
    js: "import { createRequire as __moorCreateRequire } from 'node:module'; const require = __moorCreateRequire(import.meta.url);",
  },
});

// The provider packages, each bundled into a CommonJS file of its own beside moor.cjs (dist/bundle/providers/),
// which the CommonJS bundle requires when a turn first needs one. Loaded from node_modules as ES modules, one
// (with all of zod's modules) cost ~13 MB resident and ~80 ms; bundled, ~5 MB and ~30 ms.
const PROVIDERS = ["openai-compatible", "openai", "anthropic"];
await build({
  ...common,
  entryPoints: PROVIDERS.map((name) => ({ in: `@ai-sdk/${name}`, out: name })),
  outdir: "dist/bundle/providers",
  outExtension: { ".js": ".cjs" },
  format: "cjs",
  external: [],
});
/** In the CommonJS bundle, `import("@ai-sdk/<provider>")` becomes a require() of that file. */
const bundledProviders = {
  name: "bundled-providers",
  setup(build) {
    const ids = new RegExp(`^@ai-sdk/(${PROVIDERS.join("|")})$`);
    build.onResolve({ filter: ids }, (args) => ({ path: ids.exec(args.path)[1], namespace: "bundled-provider" }));
    build.onLoad({ filter: /.*/, namespace: "bundled-provider" }, (args) => ({
      contents: `module.exports = require(__dirname + "/providers/${args.path}.cjs");`,
      loader: "js",
    }));
  },
};

const cjs = "dist/bundle/moor.cjs";
await build({
  ...common,
  plugins: [...common.plugins, bundledProviders],
  entryPoints: ["src/cli/main.ts"],
  outfile: cjs,
  format: "cjs",
  // The ACP SDK is ES-module-only but has no top-level await: bundled here, `moor acp` runs from this file with its
  // code cache like every other command, and the SDK shares our copy of zod (issue 18 §5).
  external: common.external.filter((name) => name !== "@agentclientprotocol/sdk"),
  // The sources locate their files (migrations, web assets, package.json) from import.meta.url; in CommonJS that
  // is this file's URL, and the relative paths stay those of dist/bundle/.
  define: { "import.meta.url": "__moorBundleUrl" },
  banner: { js: 'const __moorBundleUrl = require("node:url").pathToFileURL(__filename).href;' },
});
// In a vm.Script, import() only works with an experimental Node option, and not at all once the script comes from
// the code cache. The launcher lends its own import() instead; what remains in the bundle are the
// external packages' dynamic imports, which minified output writes as `import("`.
const code = readFileSync(cjs, "utf8");
const imports = code.split('import("').length - 1;
if (imports === 0 || /\bimport\((?!")/.test(code)) throw new Error(`${cjs}: unexpected dynamic import() shapes`);
// ASCII only, so that its bytes are its characters in every one-byte encoding. One character past Latin-1 (a curly
// quote in a regex) made V8 hold the whole source, which it keeps for lazy compiling, as a two-byte string: ~2 MB
// more resident in every process. And bin/moor.cjs reads it as Latin-1, which Node copies as it is: read as UTF-8,
// the 2.3 MB took ~35 ms to decode at every start, more than any module's load. A \uXXXX escape means the same in
// the string, template and regex literals and identifiers where minified output can hold one.
const ascii = code.replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
// Written inside Node's CommonJS function wrapper, which the launcher compiles as it reads it: wrapping 2.3 MB at
// each start made a string V8 copied whole before compiling (~8 ms of CPU here).
writeFileSync(cjs, Module.wrap(ascii.replaceAll('import("', 'globalThis.__moorImport("')));
