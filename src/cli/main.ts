// The `moor` command line. Only commander loads up front; each command's module is imported when it runs, so
// `moor --help` and the start of `moor serve` stay fast (DESIGN.md §6).
import { Command, Option } from "commander";
import { guardClosedOutput, outputErrorsReported } from "./closed-output.js";
import { fail } from "./output.js";
import { readVersion } from "./version.js";

// biome-ignore lint/suspicious/noExplicitAny: each command module takes its own commander arguments.
type Loader = () => Promise<{ default: (...args: any[]) => Promise<void> | void }>;

/** Set by one-shot commands: exit as soon as they are done, instead of waiting for idle sockets and timers. */
let exitWhenDone = false;

function lazy(load: Loader, options: { oneShot?: boolean } = {}) {
  return async (...args: unknown[]) => {
    exitWhenDone = options.oneShot ?? false;
    const command = await load();
    await command.default(...args);
  };
}

export function buildProgram(): Command {
  const program = new Command("moor")
    .description("A persistent coding-agent server: the agent keeps working while clients attach and detach.")
    .version(readVersion(), "-v, --version", "print the version")
    .showSuggestionAfterError()
    .configureOutput({ outputError: (text, write) => write(text) });

  const serveCommand = program
    .command("serve")
    .description("run the HTTP + SSE server (web UI at /, OpenCode-compatible API)")
    .option("--port <port>", "port to listen on (0 picks a free one)", "4096")
    .option("--hostname <host>", "address to bind", "127.0.0.1")
    .option("--mdns", "publish the server on the local network (needs a non-loopback bind and a password)")
    .option("--mdns-domain <domain>", "mDNS domain", "moor.local")
    .option("--cors <origin>", "allow this browser origin (repeatable)", collect, [])
    .option("--print-logs", "copy the log to stderr")
    .addOption(
      new Option("--log-level <level>", "log level").choices(["DEBUG", "INFO", "WARN", "ERROR"]).default("INFO"),
    )
    .option("--tls-cert <file>", "TLS certificate (PEM)")
    .option("--tls-key <file>", "TLS private key (PEM)")
    .option("--socket <path>", "listen on a Unix socket (mode 0600) instead of TCP")
    .option("--insecure-no-auth", "allow a non-loopback bind without a password")
    .option("-m, --model <provider/model>", "default model")
    .option("--store <url>", "store sessions in PostgreSQL (postgres://…; also MOOR_STORE_URL, config `store`)")
    .option("--role <role>", "cluster role: all (default), api or worker (api/worker need a postgres:// store)")
    .option(
      "--dir <dir>",
      "worker: run the sessions of this directory (repeatable; default: the current one)",
      collect,
      [],
    )
    .option("--worker-id <id>", "worker: the name it registers under (default: host, pid and a random tag)")
    .action(lazy(() => import("./serve.js")));

  program
    .command("run")
    .description("send one prompt and stream the reply (in-process, or to a server with --attach)")
    .argument("[message...]", "the prompt")
    .option("--attach [url]", "send it to a running server (default: the local daemon)")
    .option("-m, --model <provider/model>", "model to use")
    .option("--agent <name>", "agent to run the prompt (build, plan, or one from the config)")
    .option("-s, --session <id>", "continue this session")
    .option("-c, --continue", "continue the most recent session in this directory")
    .option("--dir <dir>", "project directory", process.cwd())
    .addOption(new Option("--format <format>", "output format").choices(["default", "json"]).default("default"))
    .option("-y, --yes", "allow every permission request")
    .option("--detach", "with --attach: start the turn in the background and print the session id")
    .option(
      "--notify [url]",
      "with --attach: the server notifies when the turn ends (desktop on its machine, or a POST to url)",
    )
    .option("--follow", "with --attach --session: follow the session's running turn")
    .option("--resume", "continue the session's interrupted turn")
    .option(
      "--wait-permission [seconds]",
      "with --attach and no terminal: wait for another client to answer a question (default 300 s), not reject it",
    )
    .option("-p, --password <password>", "server password (also MOOR_SERVER_PASSWORD)")
    .action(lazy(() => import("./run.js"), { oneShot: true }));

  program
    .command("attach")
    .description("terminal UI attached to a running server")
    .argument("[url]", "server URL (default: the local daemon, else http://127.0.0.1:4096)")
    .option("--dir <dir>", "project directory", process.cwd())
    .option("-s, --session <id>", "open this session")
    .option("-p, --password <password>", "server password (also MOOR_SERVER_PASSWORD)")
    .action(lazy(() => import("./attach.js")));

  program
    .command("acp")
    .description("Agent Client Protocol on stdio, for editors")
    .option("--cwd <dir>", "default working directory", process.cwd())
    .option("--port <port>", "also serve the HTTP API on this port")
    .option("--hostname <host>", "address for --port", "127.0.0.1")
    .option("--attach <url>", "front a running moor server instead of running the agent in-process")
    .option("-p, --password <password>", "password for --attach (also MOOR_SERVER_PASSWORD)")
    .option("-m, --model <provider/model>", "default model")
    .action(lazy(() => import("./acp.js")));

  program
    .command("web")
    .description("moor's web page for another server (e.g. `opencode serve`), on loopback, proxying its API")
    .option("--attach <url>", "the server whose API the page uses")
    .option("--port <port>", "port to listen on (0 picks a free one)", "4097")
    .option("-p, --password <password>", "password for --attach (also MOOR_SERVER_PASSWORD)")
    .action(lazy(() => import("./web.js")));

  const session = program.command("session").description("manage sessions");
  session
    .command("list")
    .description("list sessions")
    .option("--dir <dir>", "sessions of this directory (default: the current one)")
    .option("--all", "sessions of every directory")
    .addOption(new Option("--format <format>", "output format").choices(["table", "json"]).default("table"))
    .action(lazy(() => import("./session-list.js"), { oneShot: true }));
  session
    .command("delete")
    .description("delete sessions (with their messages and sub-sessions)")
    .argument("[sessionID...]", "the sessions to delete")
    .option("--older-than <duration>", "delete sessions not updated for this long (e.g. 30m, 12h, 7d, 2w)")
    .option("--dir <dir>", "with --older-than: sessions of this directory (default: the current one)")
    .option("--all", "with --older-than: sessions of every directory")
    .action(lazy(() => import("./session-delete.js"), { oneShot: true }));

  program
    .command("export")
    .description("write a session (info, messages, parts, todos) as JSON")
    .argument("<sessionID>", "session id")
    .option("-o, --output <file>", "write to this file instead of stdout")
    .option("--store <url>", "read it from this PostgreSQL store (postgres://…) instead of the SQLite file")
    .action(lazy(() => import("./export.js"), { oneShot: true }));

  program
    .command("import")
    .description("import a session exported with `moor export`")
    .argument("<file>", "exported JSON file (- reads it from stdin)")
    .option("--store <url>", "write it to this PostgreSQL store (postgres://…) instead of the SQLite file")
    .action(lazy(() => import("./import.js"), { oneShot: true }));

  program
    .command("trust")
    .description("let a project's own config apply in full (permissions, providers, commands, env and files)")
    .argument("[dir]", "project directory (default: the current one)")
    .option("--list", "print the trusted directories")
    .option("--revoke", "stop trusting the directory")
    .action(lazy(() => import("./trust.js"), { oneShot: true }));

  const debug = program.command("debug").description("inspect moor's setup");
  debug
    .command("paths")
    .description("print where config, data, state and logs live")
    .action(lazy(() => import("./debug-paths.js"), { oneShot: true }));
  debug
    .command("config")
    .description("print the merged configuration (secrets masked)")
    .option("--dir <dir>", "project directory", process.cwd())
    .action(lazy(() => import("./debug-config.js"), { oneShot: true }));
  debug
    .command("mcp")
    .description("connect the configured MCP servers once and print their status and tools")
    .option("--dir <dir>", "project directory", process.cwd())
    .option("--attach <url>", "print the status a running server reports instead")
    .option("--password <password>", "the server's password (default: MOOR_SERVER_PASSWORD)")
    .action(lazy(() => import("./debug-mcp.js"), { oneShot: true }));
  debug
    .command("instructions")
    .description("list the instruction files a session in the directory would load, in order, with sizes")
    .argument("[dir]", "project directory (default: the current one)")
    .action(lazy(() => import("./debug-instructions.js"), { oneShot: true }));

  const daemon = program.command("daemon").description("run moor serve in the background, supervised");
  for (const [name, description] of [
    ["start", "start the server in the background (takes serve flags)"],
    ["stop", "stop the background server"],
    ["restart", "restart the background server"],
    ["status", "show whether the background server runs"],
    ["logs", "show the background server's log"],
    ["install", "write a systemd user unit or launchd agent (--role all|api|worker: one unit per cluster role)"],
    ["uninstall", "remove the unit written by install (--role: that role's)"],
    ["supervise", "(internal) the supervisor process started by start"],
  ] as const) {
    const takesServeFlags = name === "start" || name === "restart" || name === "install" || name === "supervise";
    const sub = daemon
      .command(name, { hidden: name === "supervise" })
      .description(description)
      .allowUnknownOption(takesServeFlags)
      .allowExcessArguments(takesServeFlags)
      .argument("[args...]")
      .option("--format <format>", "status output format (text|json)", "text")
      .option("-f, --follow", "logs: keep printing new lines")
      .option("-n, --lines <n>", "logs: how many lines", "50")
      .option("--raw", "logs: the JSON lines as written, not pretty-printed")
      .option("--timeout <seconds>", "stop: seconds before SIGKILL", "10")
      .option("--system", "install: a system-wide unit")
      .option("--print", "install: print the unit instead of writing it")
      .action(lazy(() => import("./daemon.js").then((module) => ({ default: module.commands[name] }))));
    if (name === "uninstall") sub.option("--role <role>", "uninstall: the unit of this role (all, api or worker)");
    if (takesServeFlags) sub.addHelpText("after", () => serveFlagsHelp(serveCommand, name));
  }
  return program;
}

/** The serve flags a daemon subcommand passes on to the server it runs, as `moor serve --help` words them. */
function serveFlagsHelp(serve: Command, name: string): string {
  const options = serve.options.filter((option) => option.long !== "--help");
  const width = Math.max(...options.map((option) => option.flags.length));
  const lines = options.map((option) => {
    const fallback = option.defaultValue === undefined ? "" : ` (default: ${JSON.stringify(option.defaultValue)})`;
    return `  ${option.flags.padEnd(width)}  ${option.description}${fallback}`;
  });
  return `\nServe flags (passed on to moor serve), e.g. moor daemon ${name} --port 4096 --hostname 0.0.0.0:\n${lines.join("\n")}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export async function main(argv: string[]): Promise<void> {
  guardClosedOutput();
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "";
    if (code === "commander.helpDisplayed" || code === "commander.version" || code === "commander.help") {
      process.exitCode = 0;
      return;
    }
    if (code.startsWith("commander.")) {
      process.exitCode = (error as { exitCode?: number }).exitCode ?? 2;
      return;
    }
    fail(error);
  }
  if (exitWhenDone) {
    await outputErrorsReported();
    process.exit();
  }
}
