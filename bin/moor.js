#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm install` via `prepare`).
import("../dist/cli/main.js").then((cli) => cli.main(process.argv));
