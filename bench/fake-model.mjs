// What the bench and the soak share: the fake model compiled from test/fakes with esbuild (a devDependency) and
// started as a process of its own, and the wait for a child's first line that names its URL.
import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";

/** Resolves with the first capture of `pattern` in the child's stdout; rejects if it exits first. */
export function firstLine(child, pattern) {
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const match = pattern.exec(out);
      if (match) resolve(match[1]);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
}

/** Starts the fake OpenAI-compatible model; `env` adds its settings (MOCK_TOKENS, MOCK_DELAY_MS). */
export async function startFakeModel({ root, work, env = {} }) {
  const fakeJs = join(work, "fake-llm.mjs");
  execFileSync(join(root, "node_modules/.bin/esbuild"), [
    join(root, "test/fakes/llm-server-cli.ts"),
    "--bundle",
    "--platform=node",
    "--format=esm",
    `--outfile=${fakeJs}`,
    "--log-level=error",
  ]);
  const child = spawn(process.execPath, [fakeJs], {
    env: { ...process.env, PORT: "0", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  return { child, url: await firstLine(child, /(http:\S+)\n/) };
}
