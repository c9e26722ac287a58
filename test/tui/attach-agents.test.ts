// `moor attach`: Tab cycles through the server's primary agents (GET /agent), a configured one and a markdown one
// included; a subagent or hidden agent is never offered, and the prompt runs under the agent shown.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";
import { TmuxSession } from "./tmux.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;
let tui: TmuxSession | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  // A test that failed before its turn ran leaves its reply for the next test, which would get it instead of its own.
  llm.clearScript();
  tui?.kill();
  tui = undefined;
  await server?.stop("SIGKILL");
  server = undefined;
  rmSync(home.root, { recursive: true, force: true });
});

describe("moor attach: agents from the server", () => {
  it("Tab cycles build → plan → review → docs → build, skipping subagents and hidden agents; the prompt uses the one shown", async () => {
    home = makeTempHome(llm.url, {
      agent: {
        review: { description: "Reviews code", mode: "primary" },
        helper: { mode: "subagent" },
        secret: { mode: "primary", hidden: true },
      },
    });
    // A markdown agent in the global agents folder (OpenCode's format).
    mkdirSync(join(home.env.MOOR_CONFIG_DIR, "agents"), { recursive: true });
    writeFileSync(join(home.env.MOOR_CONFIG_DIR, "agents", "docs.md"), "---\nmode: primary\n---\nWrite docs.");
    server = await startServe(home.env, [], home.project);
    const listed = (await (await fetch(`${server.url}/agent`)).json()) as Record<string, unknown>[];
    expect(listed.find((agent) => agent.name === "docs")).toMatchObject({
      mode: "primary",
      native: false,
      prompt: "Write docs.",
    });
    llm.script({ text: "Reviewed by the third agent." });
    tui = TmuxSession.attach(`moor-test-agents-${process.pid}`, server.url, home);
    const screen = tui;
    await screen.waitFor(/· connected ·/);
    await screen.waitFor(/ · build · /);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const seen: string[] = [];
    for (const next of ["plan", "review", "docs", "build", "plan", "review"]) {
      screen.keys("Tab");
      await screen.waitFor(new RegExp(` · ${next} · `));
      seen.push(next);
    }
    expect(seen).toEqual(["plan", "review", "docs", "build", "plan", "review"]);
    expect(screen.screen()).not.toMatch(/ · (helper|secret|general) · /);
    screen.type("review the code");
    screen.keys("Enter");
    await screen.waitFor(/Reviewed by the third agent\./);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const [user] = (await (
      await fetch(`${server.url}/session/${sessions[0].id}/message`)
    ).json()) as MessageWithParts[];
    expect(user.info.role === "user" && user.info.agent).toBe("review");
  });

  it("starts on the server's default agent (default_agent), which GET /agent lists first", async () => {
    home = makeTempHome(llm.url, {
      agent: { review: { description: "Reviews code", mode: "primary" } },
      default_agent: "review",
    });
    server = await startServe(home.env, [], home.project);
    const agents = (await (await fetch(`${server.url}/agent`)).json()) as { name: string }[];
    expect(agents.map((agent) => agent.name)).toEqual(["review", "build", "plan", "general", "explore"]);
    llm.script({ text: "Reviewed by default." });
    tui = TmuxSession.attach(`moor-test-agents-default-${process.pid}`, server.url, home);
    await tui.waitFor(/· connected ·/);
    await tui.waitFor(/ · review · /);
    await new Promise((resolve) => setTimeout(resolve, 300));
    tui.type("look");
    tui.keys("Enter");
    await tui.waitFor(/Reviewed by default\./);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const [user] = (await (
      await fetch(`${server.url}/session/${sessions[0].id}/message`)
    ).json()) as MessageWithParts[];
    expect(user.info.role === "user" && user.info.agent).toBe("review");
  });
});
