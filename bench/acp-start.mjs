// How fast an ACP agent started by an editor answers: wall time from spawn to the `initialize` answer, and then to
// the `session/new` answer (issue 18 §5). Used by run.mjs for `moor acp` and, with OPENCODE_BIN, `opencode acp`;
// `node bench/acp-start.mjs` prints moor's figures alone.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** One start: spawns the agent, sends initialize then session/new, resolves with both times in ms; then kills it. */
export function acpStartOnce(command, args, options) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { ...options, stdio: ["pipe", "pipe", "ignore"] });
    const times = {};
    let buffer = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${command} acp: no answer in 20 s`));
    }, 20_000);
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
          send({ id: 2, method: "session/new", params: { cwd: options.cwd, mcpServers: [] } });
        } else if (message.id === 2) {
          times.sessionNew = performance.now() - started;
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
  const { mkdtempSync, mkdirSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
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
  console.log(await measureAcpStart(bin, ["acp"], { env, cwd: home }));
}
