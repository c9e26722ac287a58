// Compaction end to end: a real `moor serve` and `moor run --attach` against the fake OpenAI-compatible server.
// The provider's "maximum context length" error (as @ai-sdk/openai-compatible raises it) starts a summary, the
// turn goes on and completes, and `run --attach` marks where compaction happened.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMPACTION_MARK } from "../../src/client/compaction.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, lastUserText, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle;

beforeAll(async () => {
  llm = await startFakeLlm();
  llm.setDefault({ text: "first answer" });
  home = makeTempHome(llm.url);
  server = await startServe(home.env, [], home.project);
});
afterAll(async () => {
  await server?.stop("SIGKILL");
  await llm?.close();
});

describe("compaction through moor serve", () => {
  it("summarizes on the provider's overflow error, continues the turn, and run --attach shows the mark", async () => {
    const first = await runMoor(["run", "--attach", server.url, "--", "first task"], {
      env: home.env,
      cwd: home.project,
    });
    expect(first.code).toBe(0);
    const sessions = (await (await fetch(`${server.url}/session`)).json()) as { id: string }[];
    const sessionID = sessions[0].id;
    llm.script(
      {
        error: 400,
        message:
          "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens. Please reduce the length of the messages.",
      },
      { text: "SUMMARY-E2E: the user asked for the first task; it is done." },
      { text: "second answer" },
    );
    const second = await runMoor(["run", "--attach", server.url, "--session", sessionID, "--", "second task"], {
      env: home.env,
      cwd: home.project,
    });
    expect(second.stderr).toContain(COMPACTION_MARK);
    expect(second.stdout).toContain("second answer");
    expect(second.code).toBe(0);
    const last = llm.requests.at(-1);
    expect(JSON.stringify(last?.messages)).toContain("SUMMARY-E2E");
    expect(JSON.stringify(last?.messages)).not.toContain("first answer");
    expect(last && lastUserText(last)).toMatch(/Continue if you have next steps/);
    const messages = (await (await fetch(`${server.url}/session/${sessionID}/message`)).json()) as {
      info: { summary?: boolean; error?: { name: string } };
    }[];
    expect(messages.filter(({ info }) => info.summary === true)).toHaveLength(1);
  });
});
