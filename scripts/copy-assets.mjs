// After tsc: copies what the compiled code reads at run time (SQL migrations) into dist/, builds the web UI, and
// bundles the CLI for a fast start.
import { cpSync, existsSync } from "node:fs";

cpSync("src/storage/migrations", "dist/storage/migrations", { recursive: true });
cpSync("src/storage/postgres-migrations", "dist/storage/postgres-migrations", { recursive: true });
if (existsSync("scripts/build-web.mjs")) await import("./build-web.mjs");
await import("./bundle.mjs");
