// A `subtask: true` command runs as a task (issue 15 §2, like OpenCode): its template goes to a subagent in a child
// session, the session's turn holds one `task` tool call with the child's result, and the model goes on from it.
import { afterEach, describe, expect, it } from "vitest";
import type { CommandDefinition } from "../../../src/core/commands/command.js";
import type { ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep } from "../scripted-model.js";

let fixture: CoreFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function open(commands: CommandDefinition[], steps: ScriptedStep[]) {
  fixture = await openCoreFixture({ prefix: "subtask", steps, core: { commands: () => commands } });
  return { ...fixture, session: await fixture.core.sessions.create({ directory: fixture.dir }) };
}

const userTexts = (fixture: CoreFixture, index: number) =>
  fixture.model.doStreamCalls[index].prompt
    .filter((message) => message.role === "user")
    .flatMap((message) => message.content)
    .map((content) => (content.type === "text" ? content.text : ""))
    .join("\n");
const sent = (fixture: CoreFixture, index: number) => JSON.stringify(fixture.model.doStreamCalls[index].prompt);

describe("a subtask command", () => {
  it("runs its template in a child session under its agent; the session's model reads the child's result", async () => {
    const { core, session, ...rest } = await open(
      [
        {
          name: "scan",
          description: "Scan the code",
          agent: "explore",
          subtask: true,
          template: "Scan for $ARGUMENTS.",
        },
      ],
      [{ text: "SCAN-RESULT: three TODOs" }, { text: "There are three TODOs." }],
    );
    const result = await core.commands.run(session.id, { command: "scan", arguments: "TODO" });
    expect(result.finish).toBe("stop");
    const [child] = await core.sessions.children(session.id);
    expect(child.title).toBe("Scan the code (@explore subagent)");
    const childMessages = await core.sessions.messages(child.id);
    expect(childMessages[0].info).toMatchObject({ role: "user", agent: "explore" });
    // The child was prompted with the filled template; the session's model reads the task call and its result.
    expect(userTexts(rest as CoreFixture, 0)).toBe("Scan for TODO.");
    expect(userTexts(rest as CoreFixture, 1)).toBe("/scan TODO");
    expect(sent(rest as CoreFixture, 1)).toContain("SCAN-RESULT: three TODOs");
    const messages = await core.sessions.messages(session.id);
    expect(messages[0].parts.map((part) => (part.type === "text" ? part.text : part.type))).toEqual(["/scan TODO"]);
    const task = messages.flatMap((message) => message.parts).find((part): part is ToolPart => part.type === "tool");
    expect(task).toMatchObject({
      tool: "task",
      state: { status: "completed", input: { subagent_type: "explore" }, metadata: { sessionId: child.id } },
    });
    expect(messages.at(-1)?.info).toMatchObject({ role: "assistant", agent: "build" });
  });

  it("runs under general when it names no agent, and in the session itself when its agent is primary-only", async () => {
    const { core, session } = await open(
      [
        { name: "free", subtask: true, template: "Do the free thing." },
        { name: "planned", agent: "plan", subtask: true, template: "Plan the thing." },
      ],
      [{ text: "child" }, { text: "parent" }, { text: "planned in place" }],
    );
    await core.commands.run(session.id, { command: "free", arguments: "" });
    const [child] = await core.sessions.children(session.id);
    expect((await core.sessions.messages(child.id))[0].info).toMatchObject({ agent: "general" });
    await core.commands.run(session.id, { command: "planned", arguments: "" });
    expect(await core.sessions.children(session.id)).toHaveLength(1);
    const last = (await core.sessions.messages(session.id)).at(-1);
    expect(last?.info).toMatchObject({ role: "assistant", agent: "plan" });
  });
});
