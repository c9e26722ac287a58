// `moor daemon start|stop|restart|status|logs|install|uninstall`: moor serve in the background, supervised.
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { resolvePaths } from "../config/paths.js";
import { type DaemonPaths, daemonStatus, startDaemon, stopDaemon } from "../daemon/control.js";
import { daemonFiles } from "../daemon/files.js";
import { runSupervisor } from "../daemon/supervisor.js";
import {
  type DaemonRole,
  environmentFileText,
  launchdPlist,
  systemdUnit,
  unitNames,
  xmlEscape,
} from "../daemon/units.js";
import { SERVER_NODE_FLAGS, serverMallocEnvironment } from "./heap.js";
import { checkCorsOrigins } from "./listen-flags.js";
import { UsageError } from "./output.js";
import { parsePort } from "./port.js";
import { serverPassword } from "./server-target.js";
import { redact } from "./store-choice.js";
import { colorFor } from "./terminal-style.js";
import { readVersion } from "./version.js";

interface DaemonOptions {
  format: string;
  follow?: boolean;
  lines: string;
  timeout: string;
  system?: boolean;
  print?: boolean;
  raw?: boolean;
  /** uninstall: which role's unit (install takes --role among the serve flags). */
  role?: string;
}

type Action = (args: string[], options: DaemonOptions, command: Command) => Promise<void>;

const BIN = fileURLToPath(new URL("../../bin/moor.cjs", import.meta.url));
/** Restart backoff base; tests shorten it (the documented default is 1 s). */
const backoffBaseMs = () => Number(process.env.MOOR_DAEMON_BACKOFF_MS ?? 1000);

function daemonPaths(): DaemonPaths {
  const stateDir = resolvePaths(process.env, homedir()).state;
  return { stateDir, files: daemonFiles(stateDir) };
}

/** Serve flags given after the daemon subcommand (commander leaves unknown options in the operands). */
function serveArgs(args: string[], command: Command): string[] {
  const known = new Set(["--format", "--timeout", "-n", "--lines"]);
  const raw = command.args.length > 0 ? command.args : args;
  return raw.filter((arg, index) => !known.has(arg) && !known.has(raw[index - 1] ?? ""));
}

/**
 * Checks the serve flags as `moor serve` would, before anything is started or written: a typo (`--port abc`, an
 * unknown flag) fails here in one line, not in the supervisor's restart loop or a unit's, where only a log shows it.
 */
async function checkServeFlags(args: string[]): Promise<void> {
  const { buildProgram } = await import("./main.js");
  const serve = buildProgram().commands.find((command) => command.name() === "serve") as Command;
  serve
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .action(() => {});
  try {
    serve.parse(args, { from: "user" });
  } catch (error) {
    if ((error as { code?: string }).code === "commander.helpDisplayed") {
      throw new UsageError("--help is no serve flag to start with (moor daemon start --help lists them)");
    }
    // Commander's own words ("error: unknown option '--bogus'"), as serve would print them, in moor's one line.
    throw new UsageError((error as Error).message.replace(/^error: /, ""));
  }
  const { port, role, cors, model } = serve.opts<{ port: string; role?: string; cors: string[]; model?: string }>();
  parsePort(port);
  if (role !== undefined) (await import("./daemon-role.js")).parseDaemonRole(role);
  checkCorsOrigins(cors);
  if (model !== undefined) (await import("../providers/resolve.js")).splitModelId(model);
}

const start: Action = async (args, _options, command) => {
  await checkServeFlags(serveArgs(args, command));
  const paths = daemonPaths();
  const result = await startDaemon({
    paths,
    command: [process.execPath, BIN],
    serveArgs: serveArgs(args, command),
    env: process.env,
    password: serverPassword(undefined, process.env),
  });
  if (!result.started) {
    const { already } = result;
    // A supervisor whose server is not up (between restarts after failures) serves nothing: not "already running".
    if (!already.url) {
      throw new UsageError(
        `moor daemon is ${already.state}, its server not up (supervisor pid ${already.supervisorPid}, ${already.restarts} restarts); see moor daemon logs, or moor daemon stop`,
      );
    }
    process.stdout.write(`moor daemon already running at ${already.url} (pid ${already.pid})\n`);
    return;
  }
  process.stdout.write(
    `moor daemon running at ${result.info.url} (pid ${result.info.pid}); logs: ${paths.files.log}\n`,
  );
};

const stop: Action = async (_args, options) => {
  const timeout = Number(options.timeout);
  if (!Number.isFinite(timeout) || timeout <= 0) throw new UsageError(`invalid --timeout: ${options.timeout}`);
  const stopped = await stopDaemon(daemonPaths(), timeout * 1000);
  process.stdout.write(
    !stopped
      ? "moor daemon is not running\n"
      : stopped.pid
        ? `moor daemon stopped (was pid ${stopped.pid})\n`
        : `moor daemon stopped (supervisor pid ${stopped.supervisorPid}; its server was not up)\n`,
  );
};

const restart: Action = async (args, options, command) => {
  // Before the running server is stopped: flags a server cannot start with must leave the old one running.
  await checkServeFlags(serveArgs(args, command));
  await stop(args, options, command);
  await start(args, options, command);
};

const status: Action = async (_args, options) => {
  if (options.format !== "text" && options.format !== "json") {
    throw new UsageError(`invalid --format: ${options.format} (text or json)`);
  }
  const result = await daemonStatus(daemonPaths(), Date.now(), serverPassword(undefined, process.env));
  // systemd's convention: 0 running, 3 not running.
  process.exitCode = result.running ? 0 : 3;
  if (options.format === "json") {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return;
  }
  if (!result.running) {
    process.stdout.write(
      result.state === "crash-loop" ? `moor daemon stopped: ${result.message}\n` : "moor daemon is not running\n",
    );
    return;
  }
  const lines = [
    result.url ? `moor daemon ${result.state} at ${result.url}` : `moor daemon ${result.state}, its server not up yet`,
    `  pid ${result.pid} (supervisor ${result.supervisorPid}), up ${result.uptimeSeconds} s, restarts ${result.restarts}`,
    `  version ${result.version}${result.rssBytes ? `, RSS ${Math.round(result.rssBytes / 1024 / 1024)} MB` : ""}`,
  ];
  if (result.sessions) lines.push(`  sessions: ${result.sessions.busy} busy, ${result.sessions.idle} idle`);
  process.stdout.write(`${lines.join("\n")}\n`);
};

const logs: Action = async (_args, options) => {
  const { files } = daemonPaths();
  const count = Number(options.lines);
  if (!/^\d+$/.test(options.lines) || count === 0) {
    throw new UsageError(`invalid --lines: ${options.lines} (how many lines, e.g. 50)`);
  }
  const controller = new AbortController();
  if (options.follow) process.once("SIGINT", () => controller.abort());
  const { showDaemonLogs } = await import("./daemon-logs.js");
  await showDaemonLogs(
    { daemonLog: files.log, serverLogDir: resolvePaths(process.env, homedir()).log },
    {
      lines: count,
      follow: Boolean(options.follow),
      raw: Boolean(options.raw),
      color: colorFor(process.stdout, process.env),
      write: (text) => process.stdout.write(text),
      signal: controller.signal,
    },
  );
};

function unitTarget(system: boolean | undefined, role: DaemonRole) {
  const home = homedir();
  const names = unitNames(role);
  if (process.platform === "darwin") {
    return { kind: "launchd" as const, file: join(home, "Library", "LaunchAgents", `${names.launchdLabel}.plist`) };
  }
  const file = system
    ? join("/etc/systemd/system", names.systemd)
    : join(home, ".config", "systemd", "user", names.systemd);
  return { kind: "systemd" as const, file };
}

const install: Action = async (args, options, command) => {
  await checkServeFlags(serveArgs(args, command));
  const paths = resolvePaths(process.env, homedir());
  const { roleInstall } = await import("./daemon-role.js");
  const chosen = await roleInstall(serveArgs(args, command), process.env, process.cwd(), configuredStore);
  const target = unitTarget(options.system, chosen.role);
  const names = unitNames(chosen.role);
  const environment = unitEnvironment(chosen.role, chosen.storeUrl);
  // The single server keeps the file it always had; each role its own, so installing one leaves the other's alone.
  const environmentFile = join(paths.config, chosen.role === "all" ? "moor.env" : `moor-${chosen.role}.env`);
  const unitOptions = {
    node: process.execPath,
    nodeFlags: SERVER_NODE_FLAGS,
    bin: BIN,
    serveArgs: chosen.serveArgs,
    environmentFile,
    logFile: join(paths.state, names.logFile),
    system: options.system,
    role: chosen.role,
    environment,
    serverEnvironment: serverMallocEnvironment(process.env),
  };
  const text = target.kind === "launchd" ? launchdPlist(unitOptions) : systemdUnit(unitOptions);
  if (options.print) {
    process.stdout.write(withoutSecrets(text, environment));
    return;
  }
  const secret = Object.keys(environment).some((name) => name !== "MOOR_LEASE_MS");
  mkdirSync(dirname(target.file), { recursive: true });
  writeFileSync(target.file, text, { mode: secret && target.kind === "launchd" ? 0o600 : 0o644 });
  if (target.kind === "launchd" && secret) chmodSync(target.file, 0o600);
  const lines = [`Wrote ${target.file}`];
  if (target.kind === "systemd" && Object.keys(environment).length > 0) {
    mkdirSync(dirname(environmentFile), { recursive: true });
    writeFileSync(environmentFile, environmentFileText(environment), { mode: 0o600 });
    chmodSync(environmentFile, 0o600);
    lines.push(`Wrote ${environmentFile} (mode 0600${chosen.storeUrl ? `; store ${redact(chosen.storeUrl)}` : ""})`);
  }
  const unit = names.systemd.replace(/\.service$/, "");
  const enable =
    target.kind === "launchd"
      ? `launchctl load -w ${target.file}`
      : options.system
        ? `systemctl daemon-reload && systemctl enable --now ${unit}`
        : `systemctl --user daemon-reload && systemctl --user enable --now ${unit}`;
  lines.push(`Enable it with: ${enable}`);
  process.stdout.write(`${lines.join("\n")}\n`);
};

/** The config's `store`, which a server reads itself (so it is not copied into the unit). */
async function configuredStore(): Promise<string | undefined> {
  const { loadContext } = await import("./load-context.js");
  return (await loadContext()).config.store;
}

/** A unit as it may be printed: a plist carries its variables itself, so the secrets among them are masked. */
function withoutSecrets(text: string, environment: Record<string, string>): string {
  let shown = text;
  const { MOOR_SERVER_PASSWORD: password, MOOR_STORE_URL: storeUrl } = environment;
  if (storeUrl) shown = shown.split(xmlEscape(storeUrl)).join(xmlEscape(redact(storeUrl)));
  if (password) shown = shown.split(`<string>${xmlEscape(password)}</string>`).join("<string>***</string>");
  return shown;
}

/**
 * The variables a role's unit runs with, when install was given them: the server password where there is a listener
 * (not on a worker), the store URL, and the lease time (every node of a cluster must use the same: API nodes count a
 * worker live for two lease times).
 */
function unitEnvironment(role: DaemonRole, storeUrl: string | undefined): Record<string, string> {
  const environment: Record<string, string> = {};
  const password = serverPassword(undefined, process.env);
  if (password && role !== "worker") environment.MOOR_SERVER_PASSWORD = password;
  if (storeUrl) environment.MOOR_STORE_URL = storeUrl;
  const leaseMs = process.env.MOOR_LEASE_MS;
  if (leaseMs) environment.MOOR_LEASE_MS = leaseMs;
  return environment;
}

const uninstall: Action = async (_args, options) => {
  const { parseDaemonRole } = await import("./daemon-role.js");
  const target = unitTarget(options.system, parseDaemonRole(options.role));
  if (!existsSync(target.file)) {
    process.stdout.write(`nothing to remove (${target.file} does not exist)\n`);
    return;
  }
  rmSync(target.file);
  process.stdout.write(`Removed ${target.file}\n`);
};

/** Hidden: the supervisor process that `start` launches. */
const supervise: Action = async (args, _options, command) => {
  const code = await runSupervisor({
    files: daemonPaths().files,
    command: [process.execPath, ...SERVER_NODE_FLAGS, BIN],
    env: { ...process.env, ...serverMallocEnvironment(process.env) },
    serveArgs: serveArgs(args, command),
    version: readVersion(),
    backoffBaseMs: backoffBaseMs(),
  });
  process.exit(code);
};

export const commands: Record<string, Action> = { start, stop, restart, status, logs, install, uninstall, supervise };
