// A subagent over ACP (issue 15 §2): the parent's task call reaches the editor as one tool call whose content names
// the child session, the child's permission question is asked of the editor, and the parent gets the child's text.
import { client, methods, type SessionNotification } from "@agentclientprotocol/sdk";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { spawnAcp } from "../fakes/acp-process.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";

let llm: FakeLlm;
let home: TempHome;
let acp: ReturnType<typeof spawnAcp> | undefined;

beforeEach(async () => {
  llm = await startFakeLlm();
  home = makeTempHome(llm.url, { permission: { bash: "ask" } });
});
afterEach(async () => {
  acp?.child.kill("SIGKILL");
  acp = undefined;
  await llm.close();
});

describe("ACP and the task tool", () => {
  it("shows the task as one tool call naming the child session; the child's question reaches the editor", async () => {
    acp = spawnAcp(home);
    const updates: SessionNotification[] = [];
    const asked: string[] = [];
    const app = client({ name: "test-editor" })
      .onNotification(methods.client.session.update, ({ params }) => {
        updates.push(params);
      })
      .onRequest(methods.client.session.requestPermission, ({ params }) => {
        asked.push(params.toolCall.title ?? "");
        return { outcome: { outcome: "selected", optionId: "allow_once" } };
      });
    await app.connectWith(acp.stream, async (ctx) => {
      await ctx.request(methods.agent.initialize, { protocolVersion: 1, clientCapabilities: {} });
      const { sessionId } = await ctx.request(methods.agent.session.new, { cwd: home.project, mcpServers: [] });
      llm.script(
        {
          toolCalls: [
            { name: "task", args: { description: "Check it", prompt: "run echo", subagent_type: "general" } },
          ],
        },
        { toolCalls: [{ name: "bash", args: { command: "echo from-child", description: "echo" } }] },
        { text: "ACP CHILD RESULT" },
        { text: "parent is done" },
      );
      const result = await ctx.request(methods.agent.session.prompt, {
        sessionId,
        prompt: [{ type: "text", text: "delegate" }],
      });
      expect(result.stopReason).toBe("end_turn");
    });
    const toolUpdates = updates
      .map((notification) => notification.update)
      .filter((update) => update.sessionUpdate === "tool_call" || update.sessionUpdate === "tool_call_update");
    // One tool call: the task (the child's bash call is not shown as the parent's).
    expect(new Set(toolUpdates.map((update) => update.toolCallId)).size).toBe(1);
    const text = JSON.stringify(toolUpdates);
    expect(text).toMatch(/Subagent session ses_\w+/);
    expect(text).toContain("ACP CHILD RESULT");
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatch(/echo from-child/);
    expect(JSON.stringify(llm.requests.at(-1)?.messages)).toContain("ACP CHILD RESULT");
  }, 30_000);
});
