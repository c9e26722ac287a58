// ACP shows where compaction happened, as every client does: the mark as an agent message chunk when a prompt's
// turn compacts (the provider's overflow error here), and again where the summary stands when session/load replays
// the history (real `moor acp` process, the SDK's client side, the fake OpenAI-compatible model).
import type { ChildProcess } from "node:child_process";
import { client, methods, type SessionNotification } from "@agentclientprotocol/sdk";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { COMPACTION_MARK } from "../../src/client/compaction.js";
import { spawnAcp } from "../fakes/acp-process.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";

let llm: FakeLlm;
let child: ChildProcess | undefined;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

const texts = (updates: SessionNotification[]) =>
  updates
    .filter((u) => u.update.sessionUpdate === "agent_message_chunk")
    .map((u) => (u.update as { content: { type: string; text?: string } }).content.text ?? "")
    .join("");

describe("moor acp: compaction", () => {
  it("sends the compaction mark when a turn compacts, and replays it where the summary stands", async () => {
    const home = makeTempHome(llm.url);
    llm.script(
      { text: "first answer" },
      {
        error: 400,
        message: "This model's maximum context length is 4096 tokens. However, your messages resulted in 5000 tokens.",
      },
      { text: "SUMMARY: the first task is done." },
      { text: "second answer" },
    );
    const acp = spawnAcp(home);
    child = acp.child;
    const { stream } = acp;
    const live: SessionNotification[] = [];
    const replayed: SessionNotification[] = [];
    let loading = false;
    const app = client({ name: "test-editor" }).onNotification(methods.client.session.update, ({ params }) => {
      (loading ? replayed : live).push(params);
    });
    await app.connectWith(stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      await ctx.request(methods.agent.session.prompt, { sessionId, prompt: [{ type: "text", text: "first task" }] });
      const second = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: "second task" }],
      });
      expect(second.stopReason).toBe("end_turn");
      loading = true;
      await ctx.request(methods.agent.session.load, { sessionId, cwd: home.project, mcpServers: [] });
    });
    const liveText = texts(live);
    expect(liveText).toContain(COMPACTION_MARK);
    expect(liveText.indexOf(COMPACTION_MARK)).toBeLessThan(liveText.indexOf("second answer"));
    const replayText = texts(replayed);
    expect(replayText).toContain(COMPACTION_MARK);
    // On replay the mark stands right before the summary, after the first answer.
    expect(replayText.indexOf("first answer")).toBeLessThan(replayText.indexOf(COMPACTION_MARK));
    expect(replayText.indexOf(COMPACTION_MARK)).toBeLessThan(replayText.indexOf("SUMMARY: the first task is done."));
  });
});
