// How fast an ACP agent started by an editor answers: wall time from spawn to the `initialize` answer, and then to
// the `session/new` answer (issue 18 §5). Used by run.mjs for `moor acp` and, with OPENCODE_BIN, `opencode acp`;
// `node bench/acp-start.mjs` prints moor's figures alone; with --opencode, OpenCode's beside them, the two started in
// turn round by round (a shared machine's load moves both alike); `--bin PATH` (repeatable) measures other moor
// launchers in the same rounds, e.g. a copy of the tree before a change.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { cpuMs } from "./process-cpu.mjs";

/**
 * One start: spawns the agent, sends initialize then session/new, resolves with both times in ms (and the agent's CPU
 * time at each answer, `*Cpu`); then kills it.
 */
export function acpStartOnce(command, args, options, timeoutMs = 20_000) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "ignore"] });
    const times = {};
    let buffer = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} acp: no answer in ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const send = (message) => child.stdin.write(`${JSON.stringify({ jsonrpc: "2.0", ...message })}\n`);
    child.on("error", reject);
    child.stdout.on("data", (chunk) => {
      buffer += chunk;
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
        let message;
        try {
          message = JSON.parse(line);
        } catch {
          continue;
        }
        if (message.id === 1) {
          times.initialize = performance.now() - started;
          times.initializeCpu = cpuMs(child.pid);
          send({ id: 2, method: "session/new", params: { cwd: options.cwd, mcpServers: [] } });
        } else if (message.id === 2) {
          times.sessionNew = performance.now() - started;
          times.sessionNewCpu = cpuMs(child.pid);
          clearTimeout(timer);
          child.kill("SIGKILL");
          if (message.error) reject(new Error(`session/new: ${JSON.stringify(message.error)}`));
          else resolve(times);
        }
      }
    });
    send({ id: 1, method: "initialize", params: { protocolVersion: 1, clientCapabilities: {} } });
  });
}

/** Medians of `runs` sequential starts (after one warm-up start that fills the OS file cache). */
export async function measureAcpStart(command, args, options, runs = 5) {
  await acpStartOnce(command, args, options);
  const initialize = [];
  const sessionNew = [];
  for (let i = 0; i < runs; i++) {
    const times = await acpStartOnce(command, args, options);
    initialize.push(times.initialize);
    sessionNew.push(times.sessionNew);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { acp_initialize_ms: median(initialize), acp_session_new_ms: median(sessionNew) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import("node:util");
  const { mkdtempSync, mkdirSync, realpathSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { values } = parseArgs({
    options: {
      opencode: { type: "boolean", default: false },
      bin: { type: "string", multiple: true, default: [] },
      rounds: { type: "string", default: "5" },
    },
  });
  const home = mkdtempSync(join(tmpdir(), "moor-acp-bench-"));
  mkdirSync(join(home, "config"), { recursive: true });
  writeFileSync(join(home, "config", "moor.json"), JSON.stringify({ model: "fake/echo" }));
  const env = {
    ...process.env,
    HOME: home,
    MOOR_CONFIG_DIR: join(home, "config"),
    MOOR_DATA_DIR: join(home, "data"),
    MOOR_STATE_DIR: join(home, "state"),
  };
  const bin = fileURLToPath(new URL("../bin/moor.cjs", import.meta.url));
  if (!values.opencode && values.bin.length === 0) {
    console.log(await measureAcpStart(bin, ["acp"], { env, cwd: home }));
  } else {
    const targets = [bin, ...values.bin].map((launcher) => ({
      name: launcher,
      run: [launcher, ["acp"], { env, cwd: home }],
    }));
    if (values.opencode) {
      const { opencodeEnv } = await import("./opencode-home.mjs");
      const executable =
        process.env.OPENCODE_BIN ??
        realpathSync(fileURLToPath(new URL("../node_modules/.bin/opencode", import.meta.url)));
      const opencodeHome = join(home, "opencode");
      // Its defaults: with run.mjs's provider (an `npm` package) it waited past 20 s here, offline, for a download.
      const run = [executable, ["acp"], { env: opencodeEnv(opencodeHome, {}), cwd: opencodeHome }];
      targets.push({ name: "opencode", run });
    }
    // One warm-up start each (the OS file cache, moor's code cache), then the rounds, each target once a round.
    // OpenCode's first start in a new home sets it up (16 s here, loaded): not counted. On a loaded machine its
    // session/new took over 20 s: each start here may take 120 s.
    for (const target of targets) await acpStartOnce(...target.run, 120_000);
    const samples = targets.map(() => []);
    for (let round = 0; round < Number(values.rounds); round++) {
      for (const [i, target] of targets.entries()) samples[i].push(await acpStartOnce(...target.run, 120_000));
    }
    const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
    const figures = samples.map((times) =>
      Object.fromEntries(
        ["initialize", "initializeCpu", "sessionNew", "sessionNewCpu"].map((key) => [
          key,
          Math.round(median(times.map((t) => t[key]))),
        ]),
      ),
    );
    for (const [i, target] of targets.entries()) console.log(target.name, JSON.stringify(figures[i]));
    if (values.opencode) {
      const theirs = figures.at(-1);
      for (const [i, target] of targets.slice(0, -1).entries()) {
        const ratio = (key) => (figures[i][key] / theirs[key]).toFixed(3);
        console.log(
          `${target.name}: initialize ${ratio("initialize")}×, session/new ${ratio("sessionNew")}× of opencode's`,
        );
      }
    }
  }
}
