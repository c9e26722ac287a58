// Preloaded with `node --import` into a moor child process: appends the URL of every module it loads (ES modules
// through a resolve hook, CommonJS through require) to the file named by MOOR_TEST_LOADS_FILE, one a line, and a
// `stdout: …` line for each write to stdout, in the order they happen, so a test can tell what a command loaded
// before it answered (test/cli/lazy-start.test.ts). Test-only: src never reads it.
import { appendFileSync } from "node:fs";
import Module, { register } from "node:module";
import { pathToFileURL } from "node:url";

const file = process.env.MOOR_TEST_LOADS_FILE;
if (file) {
  register("./record-loads-hooks.mjs", import.meta.url, { data: { file } });
  const load = Module._load;
  Module._load = function recordedLoad(request, parent, isMain, ...rest) {
    try {
      const path = Module._resolveFilename(request, parent, isMain);
      appendFileSync(file, `${path.startsWith("/") ? pathToFileURL(path).href : path}\n`);
    } catch {
      // Unresolvable: the real load reports it.
    }
    return load.call(this, request, parent, isMain, ...rest);
  };
  const write = process.stdout.write;
  process.stdout.write = function recordedWrite(chunk, ...rest) {
    const text = typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
    appendFileSync(file, `stdout: ${text.slice(0, 80).replaceAll("\n", " ")}\n`);
    return write.call(this, chunk, ...rest);
  };
}
