// Service units for running moor under the system's service manager: a systemd unit (Linux) or a launchd agent
// (macOS). Pure text generators: the secret never goes into them; systemd reads it from an EnvironmentFile.

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
    "Description=Moor persistent coding-agent server",
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${exec}`,
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

function xmlEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export const LAUNCHD_LABEL = "dev.moor.server";

export function launchdPlist(options: UnitOptions): string {
  const args = [options.node, ...(options.nodeFlags ?? []), options.bin, "serve", ...options.serveArgs]
    .map((arg) => `    <string>${xmlEscape(arg)}</string>`)
    .join("\n");
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>${LAUNCHD_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
${args}
  </array>
  <key>RunAtLoad</key>
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
