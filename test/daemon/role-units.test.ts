// `moor daemon install|uninstall --role all|api|worker` (issue 20 §2): one unit per cluster role, the store in a 0600
// environment file and never on a command line or the terminal, refusals in one line. Real CLI processes on a temp
// home; systemd-analyze checks the units where it is installed.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { roleInstall } from "../../src/cli/daemon-role.js";
import { UsageError } from "../../src/cli/output.js";
import { environmentFileText, launchdPlist, unitNames } from "../../src/daemon/units.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { runMoor } from "../fakes/moor-process.js";

let home: TempHome;
beforeEach(() => {
  // No model is asked: install only writes files.
  home = makeTempHome("http://127.0.0.1:9");
});

const STORE = "postgres://moor:pa$$word@db.internal:5432/moor";
const moor = (args: string[], env: Record<string, string> = {}) =>
  runMoor(["daemon", ...args], { env: { ...home.env, ...env }, cwd: home.project });
const unitDir = () => join(home.root, ".config/systemd/user");
const unitFile = (name: string) => join(unitDir(), name);
const verify = (file: string) => {
  if (existsSync("/usr/bin/systemd-analyze")) execFileSync("systemd-analyze", ["verify", file], { stdio: "pipe" });
};

describe("moor daemon install --role", () => {
  it("writes moor-api.service and moor-worker.service side by side, the store only in their 0600 environment files", async () => {
    const api = await moor(["install", "--role", "api", "--store", STORE, "--port", "4096", "--hostname", "0.0.0.0"], {
      MOOR_SERVER_PASSWORD: "hunter2-secret",
      MOOR_LEASE_MS: "5000",
    });
    expect(api.code, api.stderr).toBe(0);
    const worker = await moor(["install", "--role=worker", "--dir", "sub", "--dir", "/srv/repo"], {
      MOOR_STORE_URL: STORE,
      MOOR_SERVER_PASSWORD: "hunter2-secret",
      MOOR_LEASE_MS: "5000",
    });
    expect(worker.code, worker.stderr).toBe(0);
    expect(readdirSync(unitDir()).sort()).toEqual(["moor-api.service", "moor-worker.service"]);

    const apiUnit = readFileSync(unitFile("moor-api.service"), "utf8");
    expect(apiUnit).toMatch(
      /^ExecStart=\S+ --max-semi-space-size=1 \S+bin\/moor\.cjs serve --role api --port 4096 --hostname 0\.0\.0\.0$/m,
    );
    expect(apiUnit).toMatch(/^Description=.*API node/m);
    const workerUnit = readFileSync(unitFile("moor-worker.service"), "utf8");
    // Relative directories are made absolute: the service does not start where install ran.
    expect(workerUnit).toMatch(
      new RegExp(`^ExecStart=.*serve --role worker --dir ${join(home.project, "sub")} --dir /srv/repo$`, "m"),
    );
    for (const unit of [apiUnit, workerUnit]) {
      expect(unit).not.toContain("pa$$word");
      expect(unit).not.toContain("--store");
      expect(unit).not.toContain("hunter2");
    }

    const apiEnvFile = /^EnvironmentFile=-(.*)$/m.exec(apiUnit)![1];
    const workerEnvFile = /^EnvironmentFile=-(.*)$/m.exec(workerUnit)![1];
    expect(apiEnvFile).not.toBe(workerEnvFile);
    // `$` is escaped: newer systemd expands variables in environment files.
    const storeLine = 'MOOR_STORE_URL="postgres://moor:pa\\$\\$word@db.internal:5432/moor"\n';
    expect(readFileSync(apiEnvFile, "utf8")).toBe(
      `MOOR_SERVER_PASSWORD=hunter2-secret\n${storeLine}MOOR_LEASE_MS=5000\n`,
    );
    // A worker has no listener, so no server password; every node takes the lease time (they must agree on it).
    expect(readFileSync(workerEnvFile, "utf8")).toBe(`${storeLine}MOOR_LEASE_MS=5000\n`);
    for (const file of [apiEnvFile, workerEnvFile]) expect(statSync(file).mode & 0o777).toBe(0o600);

    // What install says names the unit and the store, never the password.
    expect(api.stdout).toContain("systemctl --user enable --now moor-api");
    expect(api.stdout).toContain("postgres://moor:***@db.internal:5432/moor");
    expect(worker.stdout).toContain("systemctl --user enable --now moor-worker");
    expect(`${api.stdout}${api.stderr}${worker.stdout}${worker.stderr}`).not.toContain("word@");

    const printed = await moor([
      "install",
      "--print",
      "--role",
      "api",
      "--store",
      STORE,
      "--port",
      "4096",
      "--hostname",
      "0.0.0.0",
    ]);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(apiUnit);

    verify(unitFile("moor-api.service"));
    verify(unitFile("moor-worker.service"));

    // uninstall --role removes that role's unit only.
    const removed = await moor(["uninstall", "--role", "api"]);
    expect(removed.stdout).toContain("moor-api.service");
    expect(readdirSync(unitDir())).toEqual(["moor-worker.service"]);
    const notThere = await moor(["uninstall", "--role", "all"]);
    expect(notThere.stdout).toContain("nothing to remove");
    expect(readdirSync(unitDir())).toEqual(["moor-worker.service"]);
    await moor(["uninstall", "--role", "worker"]);
    expect(readdirSync(unitDir())).toEqual([]);
  });

  it("--role all is the single server's moor.service, as without --role; it may run on PostgreSQL too", async () => {
    const plain = await moor(["install", "--print", "--port", "4096"]);
    const all = await moor(["install", "--print", "--role", "all", "--port", "4096"]);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toBe(plain.stdout);
    expect(all.stdout).not.toContain("--role");
    const installed = await moor(["install", "--role", "all", "--store", STORE]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(readdirSync(unitDir())).toEqual(["moor.service"]);
    const envFile = /^EnvironmentFile=-(.*)$/m.exec(readFileSync(unitFile("moor.service"), "utf8"))![1];
    expect(envFile.endsWith("/moor.env")).toBe(true);
    expect(readFileSync(envFile, "utf8")).toContain("MOOR_STORE_URL=");
  });

  it("a worker with no --dir serves the directory install ran in; the config's store is left to the server to read", async () => {
    const config = JSON.parse(readFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), "utf8"));
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "moor.json"), JSON.stringify({ ...config, store: STORE }));
    const result = await moor(["install", "--role", "worker"]);
    expect(result.code, result.stderr).toBe(0);
    const unit = readFileSync(unitFile("moor-worker.service"), "utf8");
    expect(unit).toMatch(new RegExp(`serve --role worker --dir ${home.project}$`, "m"));
    // Nothing to carry: no environment file is written, and the store stays where the user keeps it.
    expect(existsSync(join(home.env.MOOR_CONFIG_DIR, "moor-worker.env"))).toBe(false);
  });

  it("refuses in one line, writing nothing: api/worker without a PostgreSQL store, an unknown role", async () => {
    const cases: [string[], RegExp][] = [
      [["install", "--role", "api"], /^moor: --role api needs a PostgreSQL store .*MOOR_STORE_URL\)$/],
      [["install", "--role", "worker", "--dir", "/srv"], /^moor: --role worker needs a PostgreSQL store/],
      [["uninstall", "--role", "leader"], /^moor: invalid --role leader: give all, api or worker$/],
    ];
    for (const [args, message] of cases) {
      const result = await moor(args);
      expect(result.code, args.join(" ")).not.toBe(0);
      expect(result.stderr.trim()).toMatch(message);
    }
    expect(existsSync(unitDir())).toBe(false);
  });

  it("refuses misplaced flags and a store that is not PostgreSQL, never echoing the URL", async () => {
    const env = { MOOR_STORE_URL: STORE };
    const none = async () => undefined;
    const cases: [string[], Record<string, string>, RegExp][] = [
      [["--role", "worker", "--store", "sqlite:///pa$$word.db"], {}, /^unsupported --store: give a postgres/],
      [["--role", "leader"], {}, /^invalid --role leader/],
      [["--role", "api", "--dir", "/srv"], env, /^--dir is for --role worker/],
      [["--role", "worker", "--port", "4096"], env, /^--port is for API nodes/],
      [["--role", "worker", "--hostname=0.0.0.0"], env, /^--hostname is for API nodes/],
      [["--role", "api", "--role", "worker"], env, /^give --role once$/],
      [["--role", "api", "--store"], {}, /^--store needs a value$/],
    ];
    for (const [args, caseEnv, message] of cases) {
      const refused = roleInstall(args, caseEnv, "/home/u/repo", none);
      await expect(refused, args.join(" ")).rejects.toBeInstanceOf(UsageError);
      await expect(refused).rejects.toThrow(message);
      await expect(refused).rejects.not.toThrow(/pa\$\$word/);
    }
    // Accepted: the config's store counts; --store is taken off the command line, the role's flag put on.
    const fromConfig = await roleInstall(["--role", "api", "--port", "80"], {}, "/r", async () => STORE);
    expect(fromConfig).toEqual({ role: "api", storeUrl: undefined, serveArgs: ["--role", "api", "--port", "80"] });
    const fromFlag = await roleInstall([`--store=${STORE}`, "--role", "worker", "--worker-id", "w1"], {}, "/r", none);
    expect(fromFlag).toEqual({
      role: "worker",
      storeUrl: STORE,
      serveArgs: ["--role", "worker", "--dir", "/r", "--worker-id", "w1"],
    });
  });
});

describe("role unit text", () => {
  it("gives each role its own launchd label and log, the store among the plist's variables", () => {
    expect(unitNames("all")).toEqual({
      systemd: "moor.service",
      launchdLabel: "dev.moor.server",
      logFile: "daemon.log",
    });
    expect(unitNames("api").systemd).toBe("moor-api.service");
    expect(unitNames("worker").launchdLabel).toBe("dev.moor.server.worker");
    const plist = launchdPlist({
      node: "/usr/bin/node",
      bin: "/opt/moor/bin/moor.cjs",
      serveArgs: ["--role", "worker", "--dir", "/srv/repo"],
      logFile: "/Users/u/Library/Logs/moor-worker.log",
      role: "worker",
      environment: { MOOR_STORE_URL: "postgres://u:p&q@h/db" },
    });
    expect(plist).toContain("<key>Label</key>\n  <string>dev.moor.server.worker</string>");
    expect(plist).toMatch(
      /<key>EnvironmentVariables<\/key>\s*<dict>\s*<key>MOOR_STORE_URL<\/key>\s*<string>postgres:\/\/u:p&amp;q@h\/db<\/string>\s*<\/dict>/,
    );
  });

  it("writes environment-file values that systemd reads back as given", () => {
    expect(environmentFileText({ A: "postgres://u@h:5432/d?sslmode=require&x=1", B: 'p "q" \\ $V `c`' })).toBe(
      'A=postgres://u@h:5432/d?sslmode=require&x=1\nB="p \\"q\\" \\\\ \\$V \\`c\\`"\n',
    );
  });
});
