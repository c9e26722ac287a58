// What `moor serve` tells a person after its first line (`moor listening on URL`, which the daemon and scripts
// read): the model, the config files it loaded, where its log goes, whether a password guards it, how to attach,
// and the turns a previous run left interrupted (with how to resume them).
import { PLAIN, type Style } from "./terminal-style.js";

export interface BannerFacts {
  url: string;
  model: string | undefined;
  configFiles: readonly string[];
  logFile: string;
  auth: { password: boolean; username?: string; insecureNoAuth?: boolean; socket?: boolean };
  interrupted: readonly string[];
  /** Whether the web page was built into this install (served at `/`). */
  webPage: boolean;
}

export function serveBanner(facts: BannerFacts, style: Style = PLAIN): string[] {
  const label = (name: string) => style.dim(`  ${(name ? `${name}:` : "").padEnd(13)}`);
  const auth = facts.auth.password
    ? `password required (HTTP Basic${facts.auth.username ? `, user ${facts.auth.username}` : ", any user name"})`
    : facts.auth.socket
      ? "none (Unix socket, mode 0600)"
      : facts.auth.insecureNoAuth
        ? style.yellow("none (--insecure-no-auth: anyone who can reach it can use it)")
        : "none (loopback only; set MOOR_SERVER_PASSWORD to require one)";
  const attach = facts.url.startsWith("unix:")
    ? "moor attach (from this machine)"
    : `moor attach ${facts.url}${facts.webPage ? `   or open ${facts.url}/ in a browser` : ""}`;
  const lines = [
    `${label("model")}${facts.model ?? 'none configured (pass -m provider/model or set "model" in the config)'}`,
    `${label("config")}${facts.configFiles.length > 0 ? facts.configFiles.join(", ") : "none (defaults)"}`,
    `${label("log")}${facts.logFile}`,
    `${label("auth")}${auth}`,
    `${label("attach")}${attach}`,
  ];
  if (facts.interrupted.length > 0) {
    const count = facts.interrupted.length;
    lines.push(
      `${label("interrupted")}${style.yellow(`${count} turn${count === 1 ? "" : "s"} cut short by the last stop: ${facts.interrupted.join(", ")}`)}`,
      `${label("")}resume with: moor run --attach ${facts.url.startsWith("unix:") ? "" : `${facts.url} `}--session ${facts.interrupted[0]} --resume`,
    );
  }
  return lines;
}
