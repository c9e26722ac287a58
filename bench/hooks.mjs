// Hooks (issue 19): three no-op hooks on tool.after and three on session.idle must keep the sync turn and the first
// delta within 10% of the same figures without hooks, both taken on fresh servers the same way. bench/run.mjs runs
// it as a part of the whole bench; run alone (`npm run build` first), it compares builds in interleaved rounds:
// `node bench/hooks.mjs [--rounds N] [moor-bin ...]` (bin/moor.cjs of this checkout when none is named) prints
// each round's figures and then their medians, as JSON.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { firstLine, startFakeModel } from "./fake-model.mjs";
import { median, medianMs, openStream, send, waitHealthy } from "./http-client.mjs";
import { childPids, cpuMs } from "./process-cpu.mjs";

/** `start()` starts a moor server reading `home`/config/moor.json (and resolves with `{child, url}`). */
export async function measureHooks({ start, home, config }) {
  process.stderr.write("moor: turns with hooks\n");
  const noop = [{ command: "true" }, { command: "true" }, { command: "true" }];
  const figures = {};
  for (const [suffix, hooks] of [
    ["plain", undefined],
    ["with_hooks", { "tool.after": noop, "session.idle": noop }],
  ]) {
    writeFileSync(join(home, "config", "moor.json"), JSON.stringify({ ...config, hooks }));
    const { child, url } = await start();
    await waitHealthy(url);
    const session = await send(url, "POST", "/session", {});
    const body = { parts: [{ type: "text", text: "MOCK_TOKENS 20" }] };
    for (let i = 0; i < 5; i++) await send(url, "POST", `/session/${session.id}/message`, body);
    const cpuBefore = cpuMs(child.pid);
    const hooksCpu = () => childPids(child.pid).reduce((sum, pid) => sum + (cpuMs(pid, { reaped: true }) ?? 0), 0);
    const hooksCpuBefore = hooksCpu();
    figures[`sync_turn_${suffix}_ms`] = await medianMs(30, () =>
      send(url, "POST", `/session/${session.id}/message`, body),
    );
    // The server's own CPU per turn (Linux): unlike wall times, hardly moved by other load on a shared machine.
    // Hooks cost the server only messages to its hook runner, so it should stay close to the figure without them.
    const cpuAfter = cpuMs(child.pid);
    if (cpuBefore !== undefined && cpuAfter !== undefined) {
      figures[`server_cpu_turn_${suffix}_ms`] = (cpuAfter - cpuBefore) / 30;
    }
    // What the hooks took besides the server while the turns ran (Linux): the CPU of its children (the hook
    // spawners) and of the hooks they started and reaped, over the 30 turns, per turn. It competes with the turns for
    // the same cores. Not the whole cost of a turn's hooks: off-turn hooks at a low priority fall behind the turns,
    // and what they run after the last turn is not counted.
    if (hooks) figures.hooks_cpu_turn_ms = (hooksCpu() - hooksCpuBefore) / 30;
    const deltaSession = await send(url, "POST", "/session", {});
    const firstDelta = [];
    for (let i = 0; i < 50; i++) {
      let sent = 0;
      let resolveFirst;
      const first = new Promise((resolve) => (resolveFirst = resolve));
      let idle;
      const idleSeen = new Promise((resolve) => (idle = resolve));
      const close = await openStream(url, (event, at) => {
        if (event.type === "message.part.delta") resolveFirst(at - sent);
        if (event.type === "session.idle") idle();
      });
      sent = performance.now();
      await send(url, "POST", `/session/${deltaSession.id}/prompt_async`, body);
      firstDelta.push(await first);
      await idleSeen;
      close();
    }
    figures[`first_delta_${suffix}_ms`] = median(firstDelta);
    child.kill("SIGTERM");
  }
  writeFileSync(join(home, "config", "moor.json"), JSON.stringify(config));
  figures.process_start_ms = processStartMs();
  return figures;
}

/**
 * What starting one process costs on this machine: a shell starting `/bin/true` 200 times, wall time per start. Each
 * hook run is at least one such start; where it is dear (a VM whose page tables the hypervisor shadows), three per
 * 10 ms turn cannot fit in the 10% the back-to-back figures allow, however they are started.
 */
export function processStartMs() {
  const starts = 200;
  const startedAt = performance.now();
  spawnSync("/bin/sh", ["-c", `i=0; while [ $i -lt ${starts} ]; do /bin/true; i=$((i+1)); done`]);
  return (performance.now() - startedAt) / starts;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const roundsAt = args.indexOf("--rounds");
  const rounds = roundsAt === -1 ? 1 : Number(args.splice(roundsAt, 2)[1]);
  const root = fileURLToPath(new URL("..", import.meta.url));
  const bins = args.length > 0 ? args.map((bin) => resolve(bin)) : [join(root, "bin/moor.cjs")];
  const work = mkdtempSync(join(tmpdir(), "moor-hooks-"));
  const { child: llm, url: llmUrl } = await startFakeModel({ root, work });
  const home = join(work, "moor");
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
    permission: { edit: "allow", bash: "allow" },
  };
  const env = {
    ...process.env,
    HOME: home,
    MOOR_CONFIG_DIR: join(home, "config"),
    MOOR_DATA_DIR: join(home, "data"),
    MOOR_STATE_DIR: join(home, "state"),
  };
  const startWith = (bin) => async () => {
    const child = spawn(bin, ["serve", "--port", "0"], { env, cwd: home, stdio: ["ignore", "pipe", "inherit"] });
    return { child, url: await firstLine(child, /moor listening on (\S+)/) };
  };
  const all = bins.map(() => []);
  for (let round = 0; round < rounds; round++) {
    for (const [i, bin] of bins.entries()) {
      const figures = await measureHooks({ start: startWith(bin), home, config });
      all[i].push(figures);
      console.log(JSON.stringify({ round, bin, ...figures }));
    }
  }
  for (const [i, bin] of bins.entries()) {
    const medians = { bin };
    for (const name of Object.keys(all[i][0])) medians[name] = median(all[i].map((figures) => figures[name]));
    medians.sync_turn_ratio = medians.sync_turn_with_hooks_ms / medians.sync_turn_plain_ms;
    medians.first_delta_ratio = medians.first_delta_with_hooks_ms / medians.first_delta_plain_ms;
    console.log(JSON.stringify({ medians }));
  }
  llm.kill();
  process.exit(0);
}
