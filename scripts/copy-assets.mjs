// Copies the non-TypeScript files the compiled code reads at run time (SQL migrations) next to it in dist/.
import { cpSync, existsSync } from "node:fs";

cpSync("src/storage/migrations", "dist/storage/migrations", { recursive: true });
if (existsSync("scripts/build-web.mjs")) await import("./build-web.mjs");
