// The units `moor daemon install --role api|worker` writes run a cluster (issue 20 §2): their ExecStart lines, started
// with the variables of their environment files read as systemd reads them, give an API node and a worker on a real
// PostgreSQL that answer a prompt. No systemd here: the test does what it would do with the two files.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type PostgresServer, startPostgres } from "../fakes/postgres-server.js";

let pgServer: PostgresServer;
let llm: FakeLlm;
let home: TempHome;
const children: ChildProcess[] = [];

beforeAll(async () => {
  pgServer = await startPostgres();
  llm = await startFakeLlm();
  home = makeTempHome(llm.url);
}, 30_000);

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await llm?.close();
  await pgServer?.stop();
});

/** ExecStart's words, unquoted as daemon/units.ts quotes them. */
function execStart(unit: string): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)?.[1] ?? "";
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"|(\S+)/g)].map(([, quoted, plain]) =>
    quoted === undefined ? plain : quoted.replace(/\\(.)/g, "$1"),
  );
}

/** An EnvironmentFile read as systemd reads one: KEY=value, or KEY="value" with backslash escapes. */
function environmentFile(text: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const line of text.split("\n").filter(Boolean)) {
    const [, name, quoted, plain] = /^(\w+)=(?:"((?:[^"\\]|\\.)*)"|(.*))$/.exec(line) ?? [];
    variables[name] = quoted === undefined ? plain : quoted.replace(/\\(["\\$`])/g, "$1");
  }
  return variables;
}

function startUnit(file: string): { child: ChildProcess; firstLine: Promise<string> } {
  const unit = readFileSync(file, "utf8");
  const envFile = /^EnvironmentFile=-(.*)$/m.exec(unit)?.[1] as string;
  const [command, ...args] = execStart(unit);
  // A user unit starts in the home directory, with the user manager's environment and its EnvironmentFile's.
  const child = spawn(command, args, {
    env: { ...home.env, ...environmentFile(readFileSync(envFile, "utf8")) },
    cwd: home.root,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += chunk;
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.includes("\n")) resolve(stdout.split("\n")[0]);
    });
    child.on("exit", (code) => reject(new Error(`${file} exited ${code}: ${stderr}`)));
  });
  return { child, firstLine };
}

describe("the units of daemon install --role", () => {
  it("start an API node and a worker that run a prompt on the store the units carry", async () => {
    // A password with a `$`, which the environment file must carry through its quoting (trust auth ignores it).
    const store = (await pgServer.createDatabase("units_run")).replace("postgres@", "postgres:pa$$w0rd@");
    const env = { ...home.env, MOOR_LEASE_MS: "1500" };
    const installs = await Promise.all([
      runMoor(["daemon", "install", "--role", "api", "--store", store, "--port", "0"], { env, cwd: home.project }),
      runMoor(["daemon", "install", "--role", "worker"], { env: { ...env, MOOR_STORE_URL: store }, cwd: home.project }),
    ]);
    for (const result of installs) expect(result.code, result.stderr).toBe(0);
    const units = join(home.root, ".config/systemd/user");
    const worker = startUnit(join(units, "moor-worker.service"));
    expect(await worker.firstLine).toMatch(new RegExp(`^moor worker \\S+ serving ${home.project}$`));
    const api = startUnit(join(units, "moor-api.service"));
    const url = /^moor listening on (\S+)$/.exec(await api.firstLine)?.[1];
    expect(url).toBeDefined();

    const created = await fetch(`${url}/session?directory=${encodeURIComponent(home.project)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    const session = (await created.json()) as { id: string };
    llm.script({ text: "run by the unit's worker" });
    const answer = await fetch(`${url}/session/${session.id}/message`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ parts: [{ type: "text", text: "hi" }] }),
    });
    expect(answer.status).toBe(200);
    const reply = (await answer.json()) as { parts: { type: string; text?: string }[] };
    expect(reply.parts.find((part) => part.type === "text")?.text).toBe("run by the unit's worker");
  }, 30_000);
});
