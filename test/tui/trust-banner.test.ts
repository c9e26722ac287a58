// `moor attach` to a server whose project config was held back: a banner says so, Ctrl+T trusts the directory
// and the server applies the config without a restart.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

let server: ServeHandle | undefined;
let tui: TmuxSession | undefined;
afterEach(async () => {
  tui?.kill();
  tui = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
});

describe("attach in an untrusted project", () => {
  it("shows what was held back and trusts the directory on Ctrl+T", async () => {
    const home = makeTempHome("http://127.0.0.1:9/v1");
    mkdirSync(join(home.project, ".moor"));
    writeFileSync(join(home.project, ".moor", "config.json"), JSON.stringify({ model: "fake/other", mcp: {} }));
    server = await startServe(home.env, [], home.project);
    tui = TmuxSession.attach(`moor-trust-banner-${process.pid}`, server.url, home);
    const banner = await tui.waitFor(/Ctrl\+T trusts it/);
    expect(banner).toMatch(/is not trusted: its config's model, mcp held back/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    tui.keys("C-t");
    await tui.waitFor(/trusted .*: its config applies now/);
    const state = await (await fetch(`${server.url}/trust`)).json();
    expect(state).toMatchObject({ trusted: true, heldBack: [] });
    expect((await (await fetch(`${server.url}/config`)).json()).model).toBe("fake/other");
  });
});
