// A project's own command files follow trust and reloads on a real `moor serve`: not listed (nor runnable) until the
// directory is trusted, listed at once after POST /trust, and a file added later is listed without a restart.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let home: TempHome | undefined;
let server: ServeHandle | undefined;
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
  if (home) rmSync(home.root, { recursive: true, force: true });
});

const names = async (url: string) =>
  ((await (await fetch(`${url}/command`)).json()) as { name: string }[]).map((command) => command.name);

describe("project commands and trust (moor serve)", () => {
  it("lists a project's command files only once the directory is trusted, and new ones without a restart", async () => {
    home = makeTempHome("http://127.0.0.1:9/v1");
    mkdirSync(join(home.project, ".moor", "commands"), { recursive: true });
    writeFileSync(join(home.project, ".moor", "commands", "deploy.md"), "Deploy: !`./deploy.sh`");
    mkdirSync(join(home.env.MOOR_CONFIG_DIR, "commands"));
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "commands", "mine.md"), "---\ndescription: mine\n---\nMine.");
    server = await startServe(home.env, [], home.project);
    expect(await names(server.url)).toEqual(["init", "review", "mine"]);
    const session = (await (
      await fetch(`${server.url}/session`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      })
    ).json()) as { id: string };
    const refused = await fetch(`${server.url}/session/${session.id}/command`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ command: "deploy", arguments: "" }),
    });
    expect(refused.status).toBe(404);
    await fetch(`${server.url}/trust`, { method: "POST" });
    expect(await names(server.url)).toEqual(["init", "review", "mine", "deploy"]);
    writeFileSync(join(home.project, ".moor", "commands", "later.md"), "Later.");
    expect(await names(server.url)).toEqual(["init", "review", "mine", "deploy", "later"]);
  });
});
