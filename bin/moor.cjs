#!/bin/sh
":" //; [ -n "$MALLOC_ARENA_MAX" ] || export MALLOC_ARENA_MAX=1 MOOR_LAUNCHER_ARENA=1; case "$NODE_EXTRA_CA_CERTS:$NODE_OPTIONS" in :*|*--use-*) ;; *) export MOOR_DEFERRED_CA_CERTS="$NODE_EXTRA_CA_CERTS"; unset NODE_EXTRA_CA_CERTS;; esac; exec node --max-semi-space-size=1 "$0" "$@"
// Thin launcher for the CLI that `npm install` builds (via `prepare`, scripts/bundle.mjs). Most commands run
// dist/bundle/moor.cjs through vm.Script with a V8 code cache kept beside it, so later starts skip compiling it;
// `attach` (Ink: ES-module-only dependencies) runs the ES-module bundle. Without a build, the plain compiled
// modules in dist/cli are the fallback.
// Run as a command, the two lines above are a shell script that starts Node on this file with the young generation
// of V8's heap kept at 1 MB a semi-space (it grows to 4 MB by default, and a flag set once running cannot cap it):
// ~6 MB less resident in a busy server, for ~10 ms more start. Node itself reads them as a string and a comment.
// The shell line also gives Node one malloc arena (glibc; others ignore it), unless the user chose a number: by
// default each of V8's worker threads (concurrent marking, compiling) gets an arena of its own, and freed memory
// stays spread over them; over 1,000 turns of a server they grew from ~1.2 to ~2.8 MB resident each (~6 MB in all,
// about half of what the server grew by), with one arena they do not grow. The commands moor runs get the
// environment the user gave moor, without it (removed below, once glibc has read it).
// The shell line also keeps NODE_EXTRA_CA_CERTS from Node's start, where it costs ~40 ms of certificate parsing;
// moor applies it itself when TLS is first used (bin/deferred-ca-certs.cjs). Not when NODE_OPTIONS picks the CA
// store (--use-openssl-ca, --use-system-ca…): moor's stand-in trusts Node's bundled roots, so Node keeps the variable.
// (The formatter leaves this file alone, biome.json: a `;` after the string would make the shell run `//`.)
// CommonJS, not an ES module: an ES-module entry loads Node's ES-module loader at every start (~3 MB resident).
const { existsSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { dirname, join } = require("node:path");
const { pathToFileURL } = require("node:url");
const { Script } = require("node:vm");

if (process.env.MOOR_LAUNCHER_ARENA === "1") {
  delete process.env.MALLOC_ARENA_MAX;
  delete process.env.MOOR_LAUNCHER_ARENA;
}

const ES_MODULE_COMMANDS = new Set(["attach"]);
/** A long-running command's cache is made after this long, so it holds the code its start ran. */
const CACHE_AFTER_MS = 1000;

const script = join(__dirname, "../dist/bundle/moor.cjs");
const modules = join(__dirname, "../dist/esm/main.js");

// WebAssembly stays on V8's baseline compiler. The one module compiled here is Node's HTTP parser for fetch()
// (model calls), and its optimizing compile left ~8 MB of compiler memory behind in a long-running server.
// Set before anything is compiled, for every command alike: the code cache is valid only under the same flags.
require("node:v8").setFlagsFromString("--liftoff-only");
const trustDeferredCaCerts = process.env.MOOR_DEFERRED_CA_CERTS
  ? require("./deferred-ca-certs.cjs").applyDeferredCaCerts()
  : undefined;
if (!ES_MODULE_COMMANDS.has(process.argv[2]) && existsSync(script)) {
  // The bundle's import() of external packages (the providers, mDNS) comes here: see scripts/bundle.mjs.
  globalThis.__moorImport = (specifier) => import(specifier);
  const cache = `${script}${cacheKey(process.argv.slice(2))}${flagsTag()}.cache`;
  runScript(script, cache).main(process.argv);
} else {
  // ES modules import node:https outside the hook that notes TLS's first use: trusted from the start instead.
  trustDeferredCaCerts?.();
  const entry = existsSync(modules) ? modules : join(__dirname, "../dist/cli/main.js");
  import(pathToFileURL(entry).href).then((cli) => cli.main(process.argv));
}

/**
 * The commands whose start is measured keep a code cache each. A cache holds what the command that made it had
 * compiled, and a valid one is never made again: shared, the first command after an install (`moor --version`,
 * a test) decided what every later `moor serve` found in it, and serve compiled the rest at each start (~15% more
 * start). `moor acp`'s own also keeps the ACP SDK's code out of the others (~5 MB more resident in a server).
 */
function cacheKey(args) {
  const command = args[0];
  if (command === "run" && args.some((arg) => arg === "--attach" || arg.startsWith("--attach="))) return ".run-attach";
  return command === "serve" || command === "acp" || command === "run" ? `.${command}` : "";
}

/**
 * V8 rejects a code cache made under other Node flags, so each set of flags keeps its own: with one file, `moor`
 * (the shell line adds a flag) and `node bin/moor.cjs` (the tests, a manual run) each threw the other's away, and
 * the next start compiled the whole bundle again and wrote it anew (~100 ms more start, every time they took turns).
 * "" without flags, else a short hash of them (a 32-bit FNV-1a: node:crypto alone costs a few ms to load).
 */
function flagsTag() {
  const flags = [...process.execArgv, process.env.NODE_OPTIONS ?? ""].join("\0").replace(/\0+$/, "");
  if (!flags) return "";
  let hash = 0x811c9dc5;
  for (let i = 0; i < flags.length; i++) hash = Math.imul(hash ^ flags.charCodeAt(i), 0x01000193) >>> 0;
  return `.${hash.toString(16)}`;
}

function runScript(file, cacheFile) {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // No cache yet: this run makes it.
  }
  // Latin-1: the bundle is ASCII (scripts/bundle.mjs), and Node decodes UTF-8 several times slower (~35 ms here).
  // The file is already wrapped as a CommonJS module's function (scripts/bundle.mjs): compiled as read, not copied.
  const compiled = new Script(readFileSync(file, "latin1"), { filename: file, cachedData });
  const module = { exports: {} };
  compiled
    .runInThisContext()
    .call(module.exports, module.exports, Module.createRequire(file), module, file, dirname(file));
  if (!cachedData || compiled.cachedDataRejected) {
    // Made once the command has run a while (or as it exits), so the cache holds what a start compiles: made right
    // away it held only the top level, and the functions compiled later ran slower. Written under a temporary
    // name, then renamed, so a concurrent start never reads half a cache; an unwritable folder means no cache.
    let saved = false;
    const save = () => {
      if (saved) return;
      saved = true;
      try {
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, compiled.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // Runs without the cache.
      }
    };
    setTimeout(save, CACHE_AFTER_MS).unref();
    process.once("exit", save);
    // V8 rejects a cache made under other flags than the run reading it, and `serve` changes heap flags once up:
    // it saves the cache just before (src/cli/heap.ts).
    globalThis.__moorSaveCodeCache = save;
  }
  return module.exports;
}
