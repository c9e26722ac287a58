// Desktop notifications from a real `moor serve` (issue 19 §2): a fake `notify-send` first on the server's PATH is
// run with the session's title when a permission question is asked and when a turn ends, and for a one-off
// `moor run --attach --detach --notify` once the turn ends, after the CLI has exited.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PermissionRequest } from "../../src/protocol/index.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

/** A temp home whose PATH starts with a fake notify-send that appends its arguments to $HOME/notify.log. */
function homeWithFakeNotifySend(config: Record<string, unknown>): { home: TempHome; log: string } {
  const home = makeTempHome(llm.url, config);
  const bin = join(home.root, "bin");
  mkdirSync(bin);
  const script = join(bin, "notify-send");
  writeFileSync(
    script,
    `#!/bin/sh\nfor arg in "$@"; do printf '%s|' "$arg"; done >> "$HOME/notify.log"\necho >> "$HOME/notify.log"\n`,
  );
  chmodSync(script, 0o755);
  home.env.PATH = `${bin}:${home.env.PATH}`;
  return { home, log: join(home.root, "notify.log") };
}

/**
 * The fake notify-send's calls, one per finished line: the script writes a call's arguments one by one, so the last
 * line may still be half written when read (a fresh-clone CI run saw only its first argument).
 */
function calls(log: string): string[][] {
  if (!existsSync(log)) return [];
  return readFileSync(log, "utf8")
    .split("\n")
    .slice(0, -1)
    .filter(Boolean)
    .map((line) => line.split("|").slice(0, -1));
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const post = (url: string, body: unknown) =>
  fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

describe("desktop notifications from moor serve", () => {
  it("notify-send gets the session's title for a permission question and for the end of the turn", async () => {
    const { home, log } = homeWithFakeNotifySend({ permission: { edit: "ask" }, notify: { desktop: { after: 0 } } });
    server = await startServe(home.env, [], home.project);
    llm.script({ toolCalls: [{ name: "write", args: { filePath: "w.txt", content: "x" } }] }, { text: "written" });
    const session = (await (await post(`${server.url}/session`, {})).json()) as { id: string };
    const url = server.url;
    expect(
      (await post(`${url}/session/${session.id}/prompt_async`, { parts: [{ type: "text", text: "Write the file" }] }))
        .status,
    ).toBe(204);
    const question = await until("a question", async () => {
      const pending = (await (await fetch(`${url}/permission`)).json()) as PermissionRequest[];
      return pending[0];
    });
    const asked = await until("the question's notification", () =>
      calls(log).find((args) => args.some((arg) => arg.startsWith("asks permission"))),
    );
    expect(asked.slice(0, 2)).toEqual(["--app-name=moor", "moor: Write the file"]);
    expect(asked[2]).toMatch(/^asks permission: edit \S*w\.txt$/);
    expect((await post(`${url}/permission/${question.id}/reply`, { reply: "once" })).status).toBe(200);
    const finished = await until("the turn's notification", () =>
      calls(log).find((args) => args.some((arg) => arg.startsWith("finished"))),
    );
    expect(finished.slice(0, 2)).toEqual(["--app-name=moor", "moor: Write the file"]);
    expect(calls(log)).toHaveLength(2);
  });

  it("moor run --attach --detach --notify: the server notifies when the turn ends, after the CLI exited", async () => {
    // No `notify` config at all: the one-off request is the prompt's own.
    const { home, log } = homeWithFakeNotifySend({});
    server = await startServe(home.env, [], home.project);
    llm.script({ text: "slow background work ".repeat(4), delayMs: 100 });
    const detached = await runMoor(["run", "--attach", server.url, "--detach", "--notify", "--", "Background job"], {
      env: home.env,
      cwd: home.project,
    });
    expect(detached.code, detached.stderr).toBe(0);
    const sessionID = detached.stdout.trim();
    expect(sessionID).toMatch(/^ses_/);
    expect(detached.stderr).toContain("the server will show a desktop notification when the turn ends");
    // The CLI is gone and the turn is still running: nothing was shown yet.
    expect(calls(log)).toEqual([]);
    const shown = await until("the one-off notification", () => calls(log)[0]);
    expect(shown).toEqual(["--app-name=moor", "moor: Background job", "finished"]);
    const status = (await (await fetch(`${server.url}/session/status`)).json()) as Record<string, unknown>;
    expect(status[sessionID]).toBeUndefined();
    // A later turn of the same session has no notification of its own.
    llm.script({ text: "again" });
    const again = await runMoor(["run", "--attach", server.url, "--session", sessionID, "--", "more"], {
      env: home.env,
      cwd: home.project,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(calls(log)).toHaveLength(1);
  });

  it("moor run --detach --notify URL: the server POSTs the turn's end there", async () => {
    const { home } = homeWithFakeNotifySend({});
    const bodies: { type: string; sessionID: string; id: string; url: string }[] = [];
    const receiver = createServer((request, response) => {
      let text = "";
      request.on("data", (chunk) => {
        text += chunk;
      });
      request.on("end", () => {
        bodies.push(JSON.parse(text));
        response.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    try {
      server = await startServe(home.env, [], home.project);
      llm.script({ text: "done" });
      const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/done`;
      const detached = await runMoor(["run", "--attach", server.url, "--detach", "--notify", hook, "--", "Job"], {
        env: home.env,
        cwd: home.project,
      });
      expect(detached.code, detached.stderr).toBe(0);
      expect(detached.stderr).toContain(`the server will POST to ${hook}`);
      const sessionID = detached.stdout.trim();
      const body = await until("the POST", () => bodies[0]);
      expect(body.type).toBe("session.idle");
      expect(body.sessionID).toBe(sessionID);
      expect(body.url).toBe(`${server.url}/#/s/${sessionID}`);
      expect(bodies).toHaveLength(1);
    } finally {
      await new Promise((resolve) => receiver.close(resolve));
    }
  });

  it("--notify without --attach is refused in one line", async () => {
    const { home } = homeWithFakeNotifySend({});
    const result = await runMoor(["run", "--notify", "--", "x"], { env: home.env, cwd: home.project });
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim()).toBe("moor: --notify needs --attach (the server sends it)");
  });

  it("a prompt's notify that is not true or an http(s) URL is a 400", async () => {
    const { home } = homeWithFakeNotifySend({});
    server = await startServe(home.env, [], home.project);
    const session = (await (await post(`${server.url}/session`, {})).json()) as { id: string };
    const response = await post(`${server.url}/session/${session.id}/prompt_async`, {
      parts: [{ type: "text", text: "x" }],
      notify: "file:///etc/passwd",
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.message).toMatch(/http\(s\) URL/);
  });
});
