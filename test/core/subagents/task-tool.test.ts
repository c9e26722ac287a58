// The task tool runs a subagent in a child session through the same turn loop (issue 15 §2): the child is a
// session with parentID, the parent's next model request holds the child's final text, task_id continues a child,
// the depth limit takes the task tool away, the todo tools stay with the parent, and the child's limits hold.
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { createTodoReadTool, createTodoWriteTool } from "../../../src/core/tools/todo.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import type { MessageWithParts, ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, type CoreFixtureOptions, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep } from "../scripted-model.js";

const echo: ToolDefinition<{ text: string }> = {
  name: "echo",
  description: "echo",
  parameters: z.object({ text: z.string() }),
  async execute(input) {
    return { title: "echo", output: input.text, metadata: {} };
  },
};

let fixture: CoreFixture;
afterEach(async () => {
  await fixture?.close();
});

async function open(options: CoreFixtureOptions) {
  fixture = await openCoreFixture({
    prefix: "task",
    tools: ({ todos }) => [echo, createTodoWriteTool(todos), createTodoReadTool(todos)],
    ...options,
  });
  return fixture;
}

const toolParts = (messages: MessageWithParts[]) =>
  messages.flatMap((message) => message.parts).filter((part): part is ToolPart => part.type === "tool");

/** The text of every message the model was sent in call `index`. */
const promptText = (index: number) => JSON.stringify(fixture.model.doStreamCalls[index].prompt);
const offered = (index: number) => fixture.model.doStreamCalls[index].tools?.map((tool) => tool.name) ?? [];

describe("the task tool", () => {
  it("runs the subagent in a child session and gives its final text to the parent's next request", async () => {
    const { core, events } = await open({
      steps: [
        {
          toolCalls: [
            {
              name: "task",
              input: { description: "Find the parser", prompt: "where is it?", subagent_type: "general" },
            },
          ],
        },
        { toolCalls: [{ name: "echo", input: { text: "looking" } }] },
        { text: "The parser is in src/parse.ts" },
        { text: "Done: see src/parse.ts" },
      ],
    });
    const parent = await core.sessions.create({ directory: fixture.dir });
    const result = await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "find the parser" }] });
    expect(result.finish).toBe("stop");
    const [child] = await core.sessions.children(parent.id);
    expect(child).toMatchObject({ parentID: parent.id, directory: parent.directory });
    expect(child.title).toBe("Find the parser (@general subagent)");
    const created = events.find(
      (envelope) => envelope.event.type === "session.created" && envelope.event.properties.info.id === child.id,
    );
    expect(created?.event.properties).toMatchObject({ info: { parentID: parent.id } });
    // The child's turn ran under the subagent, on the parent's model, with the prompt the parent gave.
    const childMessages = await core.sessions.messages(child.id);
    expect(childMessages[0].info).toMatchObject({ role: "user", agent: "general", model: { providerID: "mock" } });
    expect(promptText(1)).toContain("where is it?");
    // The parent's next request holds the child's final text and the task_id to continue it.
    expect(promptText(3)).toContain("The parser is in src/parse.ts");
    expect(promptText(3)).toContain(`task_id: ${child.id}`);
    const [task] = toolParts(await core.sessions.messages(parent.id));
    expect(task.state).toMatchObject({
      status: "completed",
      title: "Find the parser",
      metadata: { sessionId: child.id, agent: "general", summary: [{ tool: "echo", state: { status: "completed" } }] },
    });
  });

  it("continues an earlier child when given its task_id, and refuses a session that is not its child", async () => {
    const steps: ScriptedStep[] = [
      { toolCalls: [{ name: "task", input: { description: "one", prompt: "first job", subagent_type: "general" } }] },
      { text: "first answer" },
      { text: "parent one" },
    ];
    const { core } = await open({ steps });
    const parent = await core.sessions.create({ directory: fixture.dir });
    await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "go" }] });
    const [child] = await core.sessions.children(parent.id);
    const stranger = await core.sessions.create({ directory: fixture.dir });
    // The scripted model reads its steps as it is called: the next prompt's steps can name the child.
    const again = { description: "two", prompt: "second job", subagent_type: "general" };
    steps.push(
      { toolCalls: [{ name: "task", input: { ...again, task_id: child.id } }] },
      { text: "second answer" },
      { toolCalls: [{ name: "task", input: { ...again, task_id: stranger.id } }] },
      { text: "parent two" },
    );
    await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "again" }] });
    expect((await core.sessions.children(parent.id)).map((session) => session.id)).toEqual([child.id]);
    // The child's second turn saw its first one.
    expect(promptText(4)).toContain("first job");
    expect(promptText(4)).toContain("first answer");
    expect(promptText(4)).toContain("second job");
    const childUsers = (await core.sessions.messages(child.id)).filter((message) => message.info.role === "user");
    expect(childUsers).toHaveLength(2);
    const tasks = toolParts(await core.sessions.messages(parent.id));
    expect(tasks[1].state).toMatchObject({ status: "completed", output: expect.stringContaining("second answer") });
    expect(tasks[2].state).toMatchObject({
      status: "error",
      error: expect.stringContaining(`task_id ${stranger.id} is not a subagent session of this session`),
    });
  });

  it("at the depth limit a child has no task tool, and no child has the todo tools", async () => {
    const { core } = await open({
      steps: [
        { toolCalls: [{ name: "task", input: { description: "d", prompt: "p", subagent_type: "general" } }] },
        {
          toolCalls: [
            { name: "task", input: { description: "deeper", prompt: "p", subagent_type: "general" } },
            { name: "todowrite", input: { todos: [] } },
          ],
        },
        { text: "child done" },
        { text: "parent done" },
      ],
    });
    const parent = await core.sessions.create({ directory: fixture.dir });
    await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "go" }] });
    expect(offered(0)).toEqual(expect.arrayContaining(["task", "todowrite", "todoread", "echo"]));
    expect(offered(1)).toEqual(["echo"]);
    const [child] = await core.sessions.children(parent.id);
    expect(await core.sessions.children(child.id)).toEqual([]);
    const refused = toolParts(await core.sessions.messages(child.id)).map((part) =>
      part.state.status === "error" ? part.state.error : part.state.status,
    );
    expect(refused[0]).toMatch(/depth limit reached \(1\)/);
    expect(refused[1]).toMatch(/todowrite tool is not available to subagents/);
  });

  it("a deeper limit lets a child start its own child", async () => {
    const { core } = await open({
      settings: { subagents: { depth: 2 } },
      steps: [
        { toolCalls: [{ name: "task", input: { description: "d1", prompt: "p", subagent_type: "general" } }] },
        { toolCalls: [{ name: "task", input: { description: "d2", prompt: "p", subagent_type: "general" } }] },
        { text: "grandchild done" },
        { text: "child done" },
        { text: "parent done" },
      ],
    });
    const parent = await core.sessions.create({ directory: fixture.dir });
    await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "go" }] });
    expect(offered(1)).toContain("task");
    expect(offered(2)).not.toContain("task");
    const [child] = await core.sessions.children(parent.id);
    expect(await core.sessions.children(child.id)).toHaveLength(1);
    expect(promptText(4)).toContain("child done");
  });

  it("lists the subagents in its description and refuses primary or unknown agents and a denied one", async () => {
    const { core } = await open({
      settings: { permission: { task: { explore: "deny" } } },
      steps: [
        {
          toolCalls: [
            { name: "task", input: { description: "a", prompt: "p", subagent_type: "build" } },
            { name: "task", input: { description: "b", prompt: "p", subagent_type: "nobody" } },
            { name: "task", input: { description: "c", prompt: "p", subagent_type: "explore" } },
          ],
        },
        { text: "parent done" },
      ],
    });
    const parent = await core.sessions.create({ directory: fixture.dir });
    await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "go" }] });
    const description = fixture.model.doStreamCalls[0].tools?.find((tool) => tool.name === "task");
    expect(description && "description" in description ? description.description : "").toMatch(
      /- general: General-purpose agent[\s\S]*- explore: Fast agent/,
    );
    expect(await core.sessions.children(parent.id)).toEqual([]);
    const errors = toolParts(await core.sessions.messages(parent.id)).map((part) =>
      part.state.status === "error" ? part.state.error : part.state.status,
    );
    expect(errors[0]).toMatch(/build is not a valid agent type. Available: general, explore/);
    expect(errors[1]).toMatch(/nobody is not a valid agent type/);
    expect(errors[2]).toMatch(/denied|refused|not allowed/i);
  });

  it("aborting the parent's turn aborts the child's running turn", async () => {
    const { core } = await open({
      steps: [
        { toolCalls: [{ name: "task", input: { description: "slow", prompt: "p", subagent_type: "general" } }] },
        { text: "a b c d e f g h i j k l m n o p q r s t u v w x y z", delayMs: 300 },
      ],
    });
    const parent = await core.sessions.create({ directory: fixture.dir });
    const running = core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "go" }] });
    const child = await childWhenBusy(parent.id);
    expect(await core.sessions.abort(parent.id)).toBe(true);
    const result = await running;
    expect(result.finish).toBe("aborted");
    expect(core.sessions.isBusy(child)).toBe(false);
    const childReply = (await core.sessions.messages(child)).find((message) => message.info.role === "assistant");
    expect(childReply?.info).toMatchObject({ error: { name: "MessageAbortedError" } });
  });

  it("a child's turn is stopped at the subagent time limit and at the subagent step limit", async () => {
    const { core } = await open({
      settings: { subagents: { timeoutMs: 200, steps: 1 } },
      steps: [
        { toolCalls: [{ name: "task", input: { description: "slow", prompt: "p", subagent_type: "general" } }] },
        { text: "a b c d e f g h i j k l m n o p q r s t u v w x y z", delayMs: 300 },
        { text: "parent goes on" },
        { toolCalls: [{ name: "task", input: { description: "long", prompt: "p", subagent_type: "general" } }] },
        { text: "step one", toolCalls: [{ name: "echo", input: { text: "x" } }] },
        { text: "parent ends" },
      ],
    });
    const parent = await core.sessions.create({ directory: fixture.dir });
    const first = await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "go" }] });
    expect(first.finish).toBe("stop");
    const [timedOut] = toolParts(await core.sessions.messages(parent.id));
    expect(timedOut.state).toMatchObject({
      status: "error",
      error: expect.stringMatching(/ran out of time after 0 s/),
    });
    await core.sessions.prompt(parent.id, { parts: [{ type: "text", text: "again" }] });
    // One step, then the child stopped (it asked for another by calling a tool): its text is the result.
    expect(fixture.model.doStreamCalls).toHaveLength(6);
    const [, limited] = toolParts(await core.sessions.messages(parent.id)).filter((part) => part.tool === "task");
    expect(limited.state).toMatchObject({ status: "completed", output: expect.stringContaining("step one") });
  });
});

/** The first child of `parentID` once its turn is running. */
async function childWhenBusy(parentID: string): Promise<string> {
  for (;;) {
    const [child] = await fixture.core.sessions.children(parentID);
    if (child && fixture.core.sessions.isBusy(child.id) && fixture.model.doStreamCalls.length >= 2) return child.id;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
