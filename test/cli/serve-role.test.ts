// `moor serve --role` (cluster mode, issue 20 §2): all is today's serve; api and worker need a PostgreSQL store and
// are refused in one line without one (they run in test/cluster/).
import { describe, expect, it } from "vitest";
import { chooseServeRole } from "../../src/cli/serve-role.js";
import { makeTempHome } from "../fakes/config.js";
import { runMoor } from "../fakes/moor-process.js";

const PG = "postgres://moor@/moor?host=/nonexistent";

describe("serve --role", () => {
  it("chooses all by default and for --role all, on either store", () => {
    expect(chooseServeRole(undefined, undefined)).toBe("all");
    expect(chooseServeRole("all", undefined)).toBe("all");
    expect(chooseServeRole("all", PG)).toBe("all");
  });

  it("refuses an unknown role and api/worker without a postgres:// store; takes them with one", () => {
    expect(() => chooseServeRole("leader", PG)).toThrow(/^invalid --role leader: give all, api or worker$/);
    for (const role of ["api", "worker"]) {
      expect(() => chooseServeRole(role, undefined)).toThrow(`--role ${role} needs a PostgreSQL store`);
      expect(() => chooseServeRole(role, "mysql://db/moor")).toThrow(`--role ${role} needs a PostgreSQL store`);
      expect(chooseServeRole(role, PG)).toBe(role);
    }
  });

  it("the real CLI refuses --role worker without --store in one line, non-zero, before opening anything", async () => {
    const home = makeTempHome("http://127.0.0.1:9");
    const env = { ...home.env };
    delete env.MOOR_STORE_URL;
    const result = await runMoor(["serve", "--port", "0", "--role", "worker"], { env, cwd: home.project });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toMatch(/^moor: --role worker needs a PostgreSQL store shared by the cluster/);
    expect(result.stderr.trim().split("\n")).toHaveLength(1);
    expect(result.stdout).toBe("");
    const unknown = await runMoor(["serve", "--port", "0", "--role", "leader"], { env, cwd: home.project });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim()).toBe("moor: invalid --role leader: give all, api or worker");
  });
});
