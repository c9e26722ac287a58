import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OwnerLocks } from "../../src/storage/owner-lock.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";

const COMPILED = pathToFileURL(join(import.meta.dirname, "../../dist/storage/owner-lock.js")).href;

describe("owner locks", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-owners-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a store takes its lock with its first running message; another store sees it alive until it closes", async () => {
    const file = join(dir, "moor.db");
    const owner = new SqliteStore(file);
    const other = new SqliteStore(file);
    expect(existsSync(join(dir, "owners"))).toBe(false);
    const session = { id: "ses_1", slug: "s", projectID: "p", directory: dir, title: "t", version: "v", path: "" };
    const scope = { directory: dir, sessionID: "ses_1" };
    await owner.commit(scope, (tx) => tx.putSession({ ...session, time: { created: 1, updated: 1 } }));
    await owner.commit(scope, (tx) =>
      tx.putMessage(
        {
          id: "msg_1",
          sessionID: "ses_1",
          role: "assistant",
          time: { created: 1 },
          parentID: "msg_0",
          modelID: "m",
          providerID: "p",
          mode: "build",
          agent: "build",
          path: { cwd: dir, root: dir },
          cost: 0,
          tokens: { total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } },
        },
        true,
      ),
    );
    const [running] = await other.listRunningMessages();
    expect(running.ownerToken).toMatch(/^\d+-[0-9a-f]+$/);
    expect(await other.isOwnerAlive(running.ownerToken!)).toBe(true);
    owner.closeNow();
    expect(await other.isOwnerAlive(running.ownerToken!)).toBe(false);
    expect(readdirSync(join(dir, "owners"))).toEqual([]);
    other.closeNow();
  });

  it("an owner killed with SIGKILL is dead at once, and a sweep removes its file but not a live owner's", async () => {
    const owners = join(dir, "owners");
    const holder = (signal: string) => {
      const child = spawn(
        process.execPath,
        [
          "--input-type=module",
          "-e",
          `import { OwnerLocks } from ${JSON.stringify(COMPILED)};
           console.log(new OwnerLocks(${JSON.stringify(owners)}).token());
           setTimeout(() => {}, 30000); // ${signal}`,
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      return new Promise<{ child: typeof child; token: string }>((resolve) =>
        child.stdout.once("data", (chunk) => resolve({ child, token: String(chunk).trim() })),
      );
    };
    const [killed, live] = await Promise.all([holder("killed"), holder("live")]);
    try {
      const locks = new OwnerLocks(owners, undefined);
      expect(locks.isAlive(killed.token)).toBe(true);
      expect(locks.isAlive(live.token)).toBe(true);
      killed.child.kill("SIGKILL");
      await new Promise((resolve) => killed.child.once("exit", resolve));
      expect(locks.isAlive(killed.token)).toBe(false);
      expect(locks.isAlive(live.token)).toBe(true);
      locks.sweep();
      expect(readdirSync(owners).sort()).toEqual([`${live.token}.lock`]);
      expect(locks.isAlive("../../etc/passwd")).toBe(false);
    } finally {
      killed.child.kill("SIGKILL");
      live.child.kill("SIGKILL");
    }
  });
});
