// The turn loop's hooks (DESIGN.md §1, "Two seams"), run through a whole core with a scripted model: what a hook
// decides is what the model is sent, what runs, and what is stored.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as z from "zod";
import type { Core } from "../../../src/core/index.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import type { TurnHooks } from "../../../src/core/turn/hooks.js";
import type { MessageWithParts, ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep, scriptedModel } from "../scripted-model.js";

/** Records what it ran with, so a test sees the input a hook changed. */
function echoTool(ran: string[]): ToolDefinition<{ text: string }> {
  return {
    name: "echo",
    description: "Echo text back",
    parameters: z.object({ text: z.string() }),
    async execute(input) {
      ran.push(input.text);
      return { title: "echo", output: `echo: ${input.text}`, metadata: { length: input.text.length } };
    },
  };
}

const shoutTool: ToolDefinition<{ text: string }> = {
  name: "shout",
  description: "Shout text back",
  parameters: z.object({ text: z.string() }),
  async execute(input) {
    return { title: "shout", output: input.text.toUpperCase(), metadata: {} };
  },
};

function toolParts(history: MessageWithParts[]): ToolPart[] {
  return history.flatMap((message) => message.parts).filter((part): part is ToolPart => part.type === "tool");
}

/** The tool results the model was sent in call `index`, as the model read them. */
function resultsSent(model: ReturnType<typeof scriptedModel>, index: number): unknown[] {
  return model.doStreamCalls[index].prompt
    .filter((message) => message.role === "tool")
    .flatMap((message) => message.content)
    .map((part) => (part.type === "tool-result" ? part.output : undefined));
}

describe("turn hooks", () => {
  let fixture: CoreFixture | undefined;
  let core: Core;
  let ran: string[];

  async function start(steps: ScriptedStep[], hooks: Partial<TurnHooks>) {
    fixture = await openCoreFixture({
      prefix: "hooks",
      steps,
      settings: { permission: "allow" },
      tools: [echoTool(ran), shoutTool],
      core: { hooks },
    });
    core = fixture.core;
    return fixture.model;
  }

  async function prompt(text: string) {
    const session = await core.sessions.create({ directory: fixture?.dir ?? "" });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text }] });
    return { session, result, history: await core.sessions.messages(session.id) };
  }

  beforeEach(() => {
    ran = [];
  });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it("a beforeTool hook that denies: the tool does not run and the model reads the reason as the tool's error", async () => {
    const seen: string[] = [];
    const model = await start([{ toolCalls: [{ name: "echo", input: { text: "rm -rf" } }] }, { text: "ok" }], {
      beforeTool: [
        (call) => (call.input.text === "rm -rf" ? { deny: "Refused by a test hook." } : undefined),
        // A later hook does not run once one denied.
        (call) => {
          seen.push(call.tool);
          return undefined;
        },
      ],
    });
    const { result, history } = await prompt("go");
    expect(result.finish).toBe("stop");
    expect(ran).toEqual([]);
    expect(seen).toEqual([]);
    const [part] = toolParts(history);
    expect(part.state).toMatchObject({ status: "error", error: "Refused by a test hook." });
    expect(resultsSent(model, 1)).toEqual([{ type: "error-text", value: "Refused by a test hook." }]);
  });

  it("a beforeTool hook that changes the input: the tool runs with it, the next hook sees it, the part records it", async () => {
    const seen: unknown[] = [];
    await start([{ toolCalls: [{ name: "echo", input: { text: "hi" } }] }, { text: "ok" }], {
      beforeTool: [
        (call) => ({ input: { text: `${call.input.text} there` } }),
        async (call) => {
          seen.push(call.input);
          return undefined;
        },
      ],
    });
    const { history } = await prompt("go");
    expect(ran).toEqual(["hi there"]);
    expect(seen).toEqual([{ text: "hi there" }]);
    expect(toolParts(history)[0].state).toMatchObject({
      status: "completed",
      input: { text: "hi there" },
      output: "echo: hi there",
    });
  });

  it("a changed input is still validated by the tool's schema", async () => {
    await start([{ toolCalls: [{ name: "echo", input: { text: "hi" } }] }, { text: "ok" }], {
      beforeTool: [() => ({ input: { text: 42 } })],
    });
    const { history } = await prompt("go");
    expect(ran).toEqual([]);
    expect(toolParts(history)[0].state).toMatchObject({
      status: "error",
      error: expect.stringMatching(/^Invalid input for echo: text:/),
    });
  });

  it("an afterTool hook amends the output and metadata before they are stored and sent to the model", async () => {
    const model = await start([{ toolCalls: [{ name: "echo", input: { text: "hi" } }] }, { text: "ok" }], {
      afterTool: [
        async (_call, result) => ({ ...result, output: `${result.output}\n[checked]` }),
        (call, result) => ({ ...result, metadata: { ...result.metadata, checkedBy: call.tool } }),
      ],
    });
    const { history } = await prompt("go");
    expect(toolParts(history)[0].state).toMatchObject({
      status: "completed",
      output: "echo: hi\n[checked]",
      metadata: { length: 2, checkedBy: "echo" },
    });
    expect(resultsSent(model, 1)).toEqual([{ type: "text", value: "echo: hi\n[checked]" }]);
  });

  it("an afterTool hook that throws makes the call a tool error", async () => {
    await start([{ toolCalls: [{ name: "echo", input: { text: "hi" } }] }, { text: "ok" }], {
      afterTool: [
        () => {
          throw new Error("diagnostics failed");
        },
      ],
    });
    const { history } = await prompt("go");
    expect(toolParts(history)[0].state).toMatchObject({ status: "error", error: "diagnostics failed" });
  });

  it("a prepareStep hook changes the system prompt and the tools offered; the model is sent its plan", async () => {
    const steps: number[] = [];
    const model = await start([{ toolCalls: [{ name: "echo", input: { text: "hi" } }] }, { text: "ok" }], {
      prepareStep: [
        (plan, { step, tools }) => {
          steps.push(step);
          return {
            ...plan,
            system: `${plan.system}\nProject rule: be brief.`,
            tools: tools.definitions.filter((tool) => tool.name !== "shout"),
          };
        },
      ],
    });
    await prompt("go");
    expect(steps).toEqual([1, 2]);
    for (const call of model.doStreamCalls) {
      expect(call.prompt[0]).toMatchObject({
        role: "system",
        content: expect.stringMatching(/^You are Moor[\s\S]*\nProject rule: be brief\.$/),
      });
      expect(call.tools?.map((tool) => tool.name)).toEqual(["echo", "task"]);
    }
    // The default plan came first: the history is the conversation (the user's prompt, then the tool round).
    expect(model.doStreamCalls[1].prompt.map((message) => message.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
    ]);
  });

  it("an afterStep hook stops the turn early, with the finish it gives", async () => {
    const model = await start(
      [
        { toolCalls: [{ name: "echo", input: { text: "a" } }] },
        { toolCalls: [{ name: "echo", input: { text: "b" } }] },
        { text: "never asked" },
      ],
      {
        afterStep: [
          (report, decision) => {
            expect(decision).toEqual({ action: "continue" });
            return report.step >= 1 && report.toolCalls > 0 ? { action: "stop", finish: "other" } : undefined;
          },
        ],
      },
    );
    const { result, history } = await prompt("go");
    expect(result.finish).toBe("other");
    expect(model.doStreamCalls).toHaveLength(1);
    expect(ran).toEqual(["a"]);
    expect(history.map((message) => message.info.role)).toEqual(["user", "assistant"]);
    expect(result.last?.info.id).toBe(history[1].info.id);
  });

  it("an afterStep hook may continue a step the model ended, but not past the step limit", async () => {
    fixture = await openCoreFixture({
      prefix: "hooks",
      steps: [{ text: "one" }, { text: "two" }, { text: "three" }],
      settings: { permission: "allow", maxSteps: 2 },
      core: { hooks: { afterStep: [() => ({ action: "continue" })] } },
    });
    ({ core } = fixture);
    const { model } = fixture;
    const { result } = await prompt("go");
    expect(result.finish).toBe("max-steps");
    expect(model.doStreamCalls).toHaveLength(2);
  });

  it("the default afterTool hook announces file.edited for a result naming a filepath, after the tool ran", async () => {
    const writeTool: ToolDefinition<{ path: string }> = {
      name: "write",
      description: "Pretend to write a file",
      parameters: z.object({ path: z.string() }),
      async execute(input) {
        ran.push(input.path);
        return { title: input.path, output: "written", metadata: { filepath: input.path } };
      },
    };
    fixture = await openCoreFixture({
      prefix: "hooks",
      steps: [{ toolCalls: [{ name: "write", input: { path: "/p/a.ts" } }] }, { text: "ok" }],
      settings: { permission: "allow" },
      tools: [writeTool, echoTool(ran)],
    });
    ({ core } = fixture);
    const edited: { file: string; ranBefore: number }[] = [];
    core.bus.subscribe(({ event }) => {
      if (event.type === "file.edited") edited.push({ file: event.properties.file, ranBefore: ran.length });
    });
    await prompt("go");
    expect(edited).toEqual([{ file: "/p/a.ts", ranBefore: 1 }]);
  });
});
