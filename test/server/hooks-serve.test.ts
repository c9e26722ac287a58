// Hooks in a real `moor serve`: GET /hooks lists the config, each run reaches clients as `hook.ran` over SSE, and a
// hook's environment holds none of moor's secrets (its password, the provider keys it read).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { readSse, type ServeHandle, startServe } from "../fakes/serve.js";

describe("hooks of moor serve", () => {
  let llm: FakeLlm | undefined;
  let server: ServeHandle | undefined;

  afterEach(async () => {
    await server?.stop("SIGKILL");
    await llm?.close();
    server = undefined;
  });

  it("GET /hooks lists them; hook.ran arrives over SSE; the hook's env has no secrets", async () => {
    llm = await startFakeLlm();
    const home = makeTempHome(llm.url, {
      permission: "allow",
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llm.url, apiKey: "{env:FAKE_PROVIDER_KEY}" },
          models: { echo: { name: "Echo", tool_call: true } },
        },
      },
      hooks: {
        "session.idle": [{ command: "env > hook-env.txt" }],
        PreToolUse: [{ matcher: "Bash", hooks: [{ type: "command", command: "exit 0", timeout: 5 }] }],
        SessionStart: [{ hooks: [{ type: "command", command: "true" }] }],
      },
    });
    const env = {
      ...home.env,
      FAKE_PROVIDER_KEY: "provider-secret-123",
      OPENAI_API_KEY: "openai-secret-456",
      MOOR_SERVER_PASSWORD: "server-secret-789",
      SOME_USER_VAR: "kept",
    };
    server = await startServe(env, [], home.project);
    const headers = { authorization: `Basic ${Buffer.from("moor:server-secret-789").toString("base64")}` };
    const listed = await (await fetch(`${server.url}/hooks`, { headers })).json();
    expect(listed).toEqual({
      hooks: [
        { event: "session.idle", command: "env > hook-env.txt", timeoutMs: 60_000, shape: "moor" },
        {
          event: "tool.before",
          matcher: "Bash",
          command: "exit 0",
          timeoutMs: 5000,
          shape: "claude",
          claudeEvent: "PreToolUse",
        },
      ],
      ignored: ["SessionStart"],
    });
    llm.script({ text: "done" });
    let connected: () => void = () => {};
    const subscribed = new Promise<void>((resolve) => {
      connected = resolve;
    });
    const events = readSse(`${server.url}/event`, {
      headers,
      connected: () => connected(),
      until: (items) => items.some((item) => (item.event as { type: string }).type === "hook.ran"),
    });
    await subscribed;
    const session = (await (
      await fetch(`${server.url}/session`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: "{}",
      })
    ).json()) as { id: string };
    const reply = await fetch(`${server.url}/session/${session.id}/message`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ parts: [{ type: "text", text: "hello" }] }),
    });
    expect(reply.status).toBe(200);
    const ran = (await events).find((item) => (item.event as { type: string }).type === "hook.ran");
    expect(ran?.event).toMatchObject({
      type: "hook.ran",
      properties: { sessionID: session.id, event: "session.idle", command: "env > hook-env.txt", exit: 0 },
    });
    const hookEnv = readFileSync(join(home.project, "hook-env.txt"), "utf8");
    expect(hookEnv).toContain("SOME_USER_VAR=kept");
    for (const secret of ["provider-secret-123", "openai-secret-456", "server-secret-789"]) {
      expect(hookEnv).not.toContain(secret);
    }
  }, 60_000);
});
