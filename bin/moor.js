#!/usr/bin/env node
// Thin launcher: the CLI is built into dist/ by `npm install` (via `prepare`): a bundle for a fast start
// (scripts/bundle.mjs), with the plain compiled modules as the fallback.
import { existsSync } from "node:fs";

const bundle = new URL("../dist/bundle/main.js", import.meta.url);
const entry = existsSync(bundle) ? bundle : new URL("../dist/cli/main.js", import.meta.url);
import(entry.href).then((cli) => cli.main(process.argv));
