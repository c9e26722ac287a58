// Service units for running moor under the system's service manager: a systemd unit (Linux) or a launchd agent
// (macOS). Pure text generators: the secret never goes into a systemd unit; systemd reads it from an EnvironmentFile.
// One unit per cluster role (issue 20 §2), each under its own name, so an API node and a worker can be installed on
// one host: moor.service (all, the single server), moor-api.service, moor-worker.service.

/** What a unit runs: the single server (`all`), or one side of a cluster (`api` nodes, `worker`s). */
export const DAEMON_ROLES = ["all", "api", "worker"] as const;
export type DaemonRole = (typeof DAEMON_ROLES)[number];

/** The systemd unit's file name and launchd label of a role; `all` keeps the names moor has always used. */
export function unitNames(role: DaemonRole): { systemd: string; launchdLabel: string; logFile: string } {
  if (role === "all") return { systemd: "moor.service", launchdLabel: LAUNCHD_LABEL, logFile: "daemon.log" };
  return { systemd: `moor-${role}.service`, launchdLabel: `${LAUNCHD_LABEL}.${role}`, logFile: `daemon-${role}.log` };
}

const DESCRIPTIONS: Record<DaemonRole, string> = {
  all: "Moor persistent coding-agent server",
  api: "Moor cluster API node (HTTP + SSE, no turns)",
  worker: "Moor cluster worker (runs the turns of its directories)",
};

export interface UnitOptions {
  node: string;
  /** Node's own flags, before the script. */
  nodeFlags?: string[];
  bin: string;
  serveArgs: string[];
  /** File holding MOOR_SERVER_PASSWORD=..., mode 0600 (systemd only). */
  environmentFile?: string;
  logFile: string;
  system?: boolean;
  workingDirectory?: string;
  /** Default `all`: only the description differs by role; the serve flags carry the role itself. */
  role?: DaemonRole;
  /**
   * launchd only (it has no EnvironmentFile): variables put in the plist, which the caller then writes mode 0600
   * when one is a secret. systemd units take them from `environmentFile` instead.
   */
  environment?: Record<string, string>;
  /** Variables that are no secret, set in the unit itself (both kinds); `environmentFile`'s win over them. */
  serverEnvironment?: Record<string, string>;
}

function quoteSystemd(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `"${arg.replace(/(["\\])/g, "\\$1")}"`;
}

export function systemdUnit(options: UnitOptions): string {
  const exec = [options.node, ...(options.nodeFlags ?? []), options.bin, "serve", ...options.serveArgs]
    .map(quoteSystemd)
    .join(" ");
  return [
    "[Unit]",
    `Description=${DESCRIPTIONS[options.role ?? "all"]}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
    ...Object.entries(options.serverEnvironment ?? {}).map(([name, value]) => `Environment=${name}=${value}`),
    ...(options.environmentFile ? [`EnvironmentFile=-${options.environmentFile}`] : []),
    ...(options.workingDirectory ? [`WorkingDirectory=${options.workingDirectory}`] : []),
    "Restart=on-failure",
    "RestartSec=2",
    "KillSignal=SIGTERM",
    "TimeoutStopSec=10",
    "",
    "[Install]",
    `WantedBy=${options.system ? "multi-user.target" : "default.target"}`,
    "",
  ].join("\n");
}

export function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export const LAUNCHD_LABEL = "dev.moor.server";

/**
 * An EnvironmentFile's text, each value read back as written: one that is not plain is double quoted, with the
 * characters a backslash escapes there (quote, backslash, and the `$` and backtick newer systemd would expand)
 * escaped.
 */
export function environmentFileText(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) =>
      /^[\w@%+=:,./?&~-]*$/.test(value) ? `${name}=${value}` : `${name}="${value.replace(/(["\\$`])/g, "\\$1")}"`,
    )
    .map((line) => `${line}\n`)
    .join("");
}

export function launchdPlist(options: UnitOptions): string {
  const label = unitNames(options.role ?? "all").launchdLabel;
  const environment = Object.entries({ ...options.serverEnvironment, ...options.environment });
  const environmentXml =
    environment.length === 0
      ? ""
      : `  <key>EnvironmentVariables</key>
  <dict>
${environment.map(([name, value]) => `    <key>${xmlEscape(name)}</key>\n    <string>${xmlEscape(value)}</string>`).join("\n")}
  </dict>
`;
  const args = [options.node, ...(options.nodeFlags ?? []), options.bin, "serve", ...options.serveArgs]
    .map((arg) => `    <string>${xmlEscape(arg)}</string>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${label}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
${environmentXml}  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <true/>
  <key>StandardOutPath</key>
  <string>${xmlEscape(options.logFile)}</string>
  <key>StandardErrorPath</key>
  <string>${xmlEscape(options.logFile)}</string>
</dict>
</plist>
`;
}
