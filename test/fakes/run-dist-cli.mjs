// Runs the plain compiled CLI (dist/cli: one file per module, packages from node_modules) as `moor` would, so
// test/fakes/record-loads.mjs sees each module it loads; the bundles bin/moor.cjs runs keep the same lazy imports.
const { main } = await import("../../dist/cli/main.js");
await main(process.argv);
