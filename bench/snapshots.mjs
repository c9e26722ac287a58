// npm run bench:snapshots: what snapshots cost (issue 17). In a 10,000-file project: one step's snapshot cost (the
// step's start and end trees and its changed files, after it changed 3 files), and prompt → first delta of
// `moor serve` with snapshots on, beside the same with `snapshot: false`. Needs `npm run build` first.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { firstLine, startFakeModel } from "./fake-model.mjs";
import { median, openStream, send } from "./http-client.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = join(root, "bin/moor.cjs");
const { ShadowRepo } = await import(join(root, "dist/core/snapshots/shadow-repo.js"));
const work = mkdtempSync(join(tmpdir(), "moor-bench-snap-"));
const round = (value) => Math.round(value * 10) / 10;
const FILES = 10_000;

const project = join(work, "project");
for (let dir = 0; dir < FILES / 100; dir++) {
  mkdirSync(join(project, `src${dir}`), { recursive: true });
  for (let file = 0; file < 100; file++) {
    writeFileSync(join(project, `src${dir}`, `f${file}.ts`), `export const v${file} = ${dir * 100 + file};\n`);
  }
}

// 1. One step's snapshot cost, on the shadow repository directly.
const repo = new ShadowRepo({ gitDir: join(work, "shadow"), workTree: project, fileLimit: 20_000 });
let started = performance.now();
let previous = await repo.track();
const firstSnapshotMs = performance.now() - started;
const steps = [];
for (let step = 0; step < 15; step++) {
  for (let file = 0; file < 3; file++) writeFileSync(join(project, `src${step}`, `f${file}.ts`), `// step ${step}\n`);
  started = performance.now();
  const start = await repo.track();
  const end = await repo.track();
  await repo.changedFiles(previous, end);
  steps.push(performance.now() - started);
  previous = start;
}
const stepMs = median(steps);

// 2. Prompt → first delta with snapshots on (and off, for the ratio), a session in the 10,000-file project.
const { child: llm, url: llmUrl } = await startFakeModel({ root, work });
async function firstDelta(snapshot) {
  const home = join(work, `home-${snapshot}`);
  mkdirSync(join(home, "config"), { recursive: true });
  const config = {
    model: "mock/echo",
    provider: {
      mock: {
        npm: "@ai-sdk/openai-compatible",
        options: { baseURL: llmUrl, apiKey: "x" },
        models: { echo: { name: "echo", tool_call: true } },
      },
    },
    snapshot,
  };
  writeFileSync(join(home, "config", "moor.json"), JSON.stringify(config));
  const env = {
    ...process.env,
    HOME: home,
    MOOR_CONFIG_DIR: join(home, "config"),
    MOOR_DATA_DIR: join(home, "data"),
    MOOR_STATE_DIR: join(home, "state"),
  };
  const child = spawn(bin, ["serve", "--port", "0"], { env, cwd: project, stdio: ["ignore", "pipe", "inherit"] });
  const url = await firstLine(child, /moor listening on (\S+)/);
  const session = await send(url, "POST", "/session", {});
  const body = { parts: [{ type: "text", text: "MOCK_TOKENS 20" }] };
  for (let i = 0; i < 3; i++) await send(url, "POST", `/session/${session.id}/message`, body);
  const times = [];
  for (let i = 0; i < 30; i++) {
    let sent = 0;
    let resolveFirst;
    const first = new Promise((resolve) => (resolveFirst = resolve));
    let idle;
    const idleSeen = new Promise((resolve) => (idle = resolve));
    const close = await openStream(url, (event, at) => {
      if (event.type === "message.part.delta") resolveFirst(at - sent);
      if (event.type === "session.idle") idle();
    });
    // A file changed between turns, so each turn's first step records a new tree.
    writeFileSync(join(project, "src0", "f99.ts"), `// turn ${i}\n`);
    sent = performance.now();
    await send(url, "POST", `/session/${session.id}/prompt_async`, body);
    times.push(await first);
    await idleSeen;
    close();
  }
  child.kill("SIGTERM");
  return median(times);
}
const deltaOn = await firstDelta(true);
const deltaOff = await firstDelta(false);
llm.kill();
rmSync(work, { recursive: true, force: true });

console.log(`project files                     ${FILES}`);
console.log(`first snapshot (whole project)   ${round(firstSnapshotMs)} ms`);
console.log(`one step's snapshot cost         ${round(stepMs)} ms  (start + end tree + changed files)`);
console.log(`first delta, snapshots on        ${round(deltaOn)} ms`);
console.log(`first delta, snapshots off       ${round(deltaOff)} ms`);
console.log(
  `RESULT snapshot_first_ms=${round(firstSnapshotMs)} snapshot_step_ms=${round(stepMs)} first_delta_on_ms=${round(deltaOn)} first_delta_off_ms=${round(deltaOff)}`,
);
process.exit(0);
