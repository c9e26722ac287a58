import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MessageWithParts } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url, { permission: { edit: "ask", bash: "allow" } });
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const moor = (args: string[], env: Record<string, string> = {}) =>
  runMoor(args, { env: { ...home.env, ...env }, cwd: home.project });

describe("moor run --attach", () => {
  it("streams the reply to stdout and exits 0; --format json prints one event per line", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "reply from the server" });
    const result = await moor(["run", "--attach", server.url, "--", "hello"]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe("reply from the server\n");
    llm.script({ text: "as json" });
    const json = await moor(["run", "--attach", server.url, "--format", "json", "--", "again"]);
    expect(json.code).toBe(0);
    const events = json.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.map((event) => event.type)).toContain("message.part.delta");
    expect(events.at(-1).type).toBe("session.idle");
  });

  it("--detach prints the session id at once and the turn completes on the server; --follow picks it up", async () => {
    server = await startServe(home.env, [], home.project);
    // A reply of several seconds: --detach must return while it is still streaming, not after it.
    llm.script({ text: "slow background work ".repeat(14), delayMs: 150 });
    const detached = await moor(["run", "--attach", server.url, "--detach", "--", "work in the background"]);
    expect(detached.code, detached.stderr).toBe(0);
    const sessionID = detached.stdout.trim();
    expect(sessionID).toMatch(/^ses_/);
    const statuses = (await (await fetch(`${server.url}/session/status`)).json()) as Record<string, { type: string }>;
    expect(statuses[sessionID]?.type).toBe("busy");
    const followed = await moor(["run", "--attach", server.url, "--session", sessionID, "--follow"]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toContain("background work");
    const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as MessageWithParts[];
    const last = messages.at(-1)!;
    expect(last.info.role === "assistant" && last.info.finish).toBe("stop");
  });

  it("--follow joining a turn mid-stream prints it from its first word, each word once", async () => {
    server = await startServe(home.env, [], home.project);
    const words = Array.from({ length: 300 }, (_, i) => `w${i}`).join(" ");
    llm.script({ text: words, delayMs: 10 });
    const detached = await moor(["run", "--attach", server.url, "--detach", "--", "talk"]);
    const sessionID = detached.stdout.trim();
    // Joins once some of the text has streamed, so the follower comes in the middle of the reply.
    for (let tries = 0; tries < 200; tries++) {
      const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as MessageWithParts[];
      const text = messages.at(-1)?.parts.find((part) => part.type === "text");
      if (text?.type === "text" && text.text.length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const followed = await moor(["run", "--attach", server.url, "--session", sessionID, "--follow"]);
    expect(followed.code, followed.stderr).toBe(0);
    expect(followed.stdout).toBe(`${words}\n`);
  });

  it("answers permissions: rejected without a TTY, allowed with --yes", async () => {
    server = await startServe(home.env, [], home.project);
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "x.txt", content: "x" } }] }, { text: "ok" });
    const rejected = await moor(["run", "--attach", server.url, "--", "write"]);
    expect(rejected.code).toBe(0);
    expect(rejected.stderr).toMatch(/refused to change .*\(no terminal to ask/);
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "y.txt", content: "y" } }] }, { text: "ok" });
    const allowed = await moor(["run", "--attach", server.url, "--yes", "--", "write"]);
    expect(allowed.code).toBe(0);
    expect(allowed.stderr).toContain("✓ write y.txt");
  });

  it("wrong password, unreachable URL and unknown session: one-line errors and non-zero exits within 5 s", async () => {
    server = await startServe({ ...home.env, MOOR_SERVER_PASSWORD: "right" }, [], home.project);
    for (const [args, pattern] of [
      [["run", "--attach", server.url, "--password", "wrong", "--", "x"], /wrong or missing password/],
      [["run", "--attach", "http://127.0.0.1:1", "--", "x"], /cannot reach http:\/\/127\.0\.0\.1:1/],
      [
        ["run", "--attach", server.url, "--password", "right", "--session", "ses_missing", "--", "x"],
        /Session not found: ses_missing/,
      ],
    ] as const) {
      const started = Date.now();
      const result = await moor([...args]);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(pattern);
      expect(result.stderr.trim().split("\n")).toHaveLength(1);
    }
  });
});
