// Titles written by a model after a session's first prompt (issue 14 §5): in the background, never holding up the
// turn; the first line stays when the model fails; a title the user gave, or a child's, is never replaced.
import type { LanguageModelV3CallOptions, LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import type { TitleOptions } from "../../../src/core/titles/title-writer.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import type { ResolvedModel } from "../../../src/core/turn/types.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";

const usage = {
  inputTokens: { total: 10, noCache: 10, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 5, text: 5, reasoning: 0 },
};

/** A title model: answers `answer` (or fails with it) once `gate` has resolved. */
function titleModel(answer: string | Error, options: { gate?: Promise<void>; toolCall?: boolean } = {}) {
  return new MockLanguageModelV3({
    doStream: async () => {
      await options.gate;
      if (answer instanceof Error) throw answer;
      const chunks: LanguageModelV3StreamPart[] = [{ type: "stream-start", warnings: [] }];
      if (options.toolCall) chunks.push({ type: "tool-call", toolCallId: "c1", toolName: "write", input: "{}" });
      chunks.push(
        { type: "text-start", id: "t" },
        { type: "text-delta", id: "t", delta: answer },
        { type: "text-end", id: "t" },
        { type: "finish", usage, finishReason: { unified: "stop", raw: "stop" } },
      );
      return { stream: simulateReadableStream({ chunks }) };
    },
  });
}

const resolved = (model: MockLanguageModelV3, modelID = "small"): ResolvedModel => ({
  model,
  providerID: "mock",
  modelID,
});

function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

let fixture: CoreFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function open(titles: TitleOptions, steps = [{ text: "the reply" }]) {
  fixture = await openCoreFixture({ prefix: "titles", steps, core: { titles } });
  return fixture;
}

const PROMPT = "fix the flaky parser test\nit fails one run in ten";

describe("model-written titles", () => {
  it("replaces the first-line title with the small model's, announced by session.updated, after the turn", async () => {
    const small = titleModel('"Fixing the flaky parser test"');
    const errors: unknown[] = [];
    const { core, events, model } = await open({
      smallModel: async () => resolved(small),
      onError: (error) => errors.push(error),
    });
    const session = await core.sessions.create({ directory: "/tmp/project" });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: PROMPT }] });
    await core.sessions.titlesSettled();

    expect(errors).toEqual([]);
    expect((await core.sessions.get(session.id)).title).toBe("Fixing the flaky parser test");
    const titles = events
      .filter((envelope) => envelope.event.type === "session.updated")
      .map((envelope) => (envelope.event.properties as { info: { title: string } }).info.title);
    // The first line at once, then the model's.
    expect(titles).toContain("fix the flaky parser test");
    expect(titles.at(-1)).toBe("Fixing the flaky parser test");

    // The title request: the prompt's text, the title instructions, no tools; the turn's model was asked once.
    expect(small.doStreamCalls).toHaveLength(1);
    const request = small.doStreamCalls[0] as LanguageModelV3CallOptions;
    expect(request.tools).toBeUndefined();
    expect(JSON.stringify(request.prompt[0])).toContain("title generator");
    expect(JSON.stringify(request.prompt.at(-1))).toContain("it fails one run in ten");
    expect(model.doStreamCalls).toHaveLength(1);
    // No turn of its own: only the prompt and its reply are stored.
    expect((await core.sessions.messages(session.id)).map((message) => message.info.role)).toEqual([
      "user",
      "assistant",
    ]);
  });

  it("does not hold up the turn: a slow title model answers after the turn has finished", async () => {
    const slow = gate();
    const small = titleModel("Parser test flakiness", { gate: slow.promise });
    const { core, events } = await open({ smallModel: async () => resolved(small) });
    const session = await core.sessions.create({ directory: "/tmp/project" });

    // Resolves although the title model has not answered (it would hang here if the turn waited for it).
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: PROMPT }] });
    expect(result.finish).toBe("stop");
    expect((await core.sessions.get(session.id)).title).toBe("fix the flaky parser test");
    const delta = events.findIndex((envelope) => envelope.event.type === "message.part.delta");
    const idle = events.findIndex((envelope) => envelope.event.type === "session.idle");
    expect(delta).toBeGreaterThan(-1);
    expect(idle).toBeGreaterThan(delta);

    slow.open();
    await core.sessions.titlesSettled();
    expect((await core.sessions.get(session.id)).title).toBe("Parser test flakiness");
    const titled = events.findIndex(
      (envelope) =>
        envelope.event.type === "session.updated" &&
        (envelope.event.properties as { info: { title: string } }).info.title === "Parser test flakiness",
    );
    expect(titled).toBeGreaterThan(idle);
  });

  it.each([
    ["fails", new Error("model overloaded")],
    ["answers nothing", "  \n<think>a title? maybe</think>\n"],
  ])("keeps the first line when the title model %s, reporting it as no session error", async (_, answer) => {
    const errors: { error: unknown; sessionID: string }[] = [];
    const { core, events } = await open({
      smallModel: async () => resolved(titleModel(answer)),
      onError: (error, sessionID) => errors.push({ error, sessionID }),
    });
    const session = await core.sessions.create({ directory: "/tmp/project" });
    const result = await core.sessions.prompt(session.id, { parts: [{ type: "text", text: PROMPT }] });
    await core.sessions.titlesSettled();

    expect(result.finish).toBe("stop");
    expect((await core.sessions.get(session.id)).title).toBe("fix the flaky parser test");
    expect(errors.map((entry) => entry.sessionID)).toEqual([session.id]);
    expect(events.some((envelope) => envelope.event.type === "session.error")).toBe(false);
    const reply = (await core.sessions.messages(session.id)).at(-1);
    expect(reply?.info.role === "assistant" && reply.info.error).toBeFalsy();
  });

  it("never replaces a title the user gave while the model was writing", async () => {
    const slow = gate();
    const small = titleModel("Parser test flakiness", { gate: slow.promise });
    const { core, events } = await open({ smallModel: async () => resolved(small) });
    const session = await core.sessions.create({ directory: "/tmp/project" });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: PROMPT }] });
    await core.sessions.update(session.id, { title: "My parser work" });

    slow.open();
    await core.sessions.titlesSettled();
    expect(small.doStreamCalls).toHaveLength(1);
    expect((await core.sessions.get(session.id)).title).toBe("My parser work");
    expect(
      events.some(
        (envelope) =>
          envelope.event.type === "session.updated" &&
          (envelope.event.properties as { info: { title: string } }).info.title === "Parser test flakiness",
      ),
    ).toBe(false);
  });

  it("asks nothing for a session titled at creation, nor for a child session", async () => {
    const small = titleModel("Should not be asked");
    const { core } = await open({ smallModel: async () => resolved(small) }, [{ text: "one" }, { text: "two" }]);
    const named = await core.sessions.create({ directory: "/tmp/project", title: "Given title" });
    await core.sessions.prompt(named.id, { parts: [{ type: "text", text: PROMPT }] });
    const child = await core.sessions.create({ directory: "/tmp/project", parentID: named.id });
    await core.sessions.prompt(child.id, { parts: [{ type: "text", text: "look for the test" }] });
    await core.sessions.titlesSettled();

    expect(small.doStreamCalls).toHaveLength(0);
    expect((await core.sessions.get(named.id)).title).toBe("Given title");
    expect((await core.sessions.get(child.id)).title).toBe("look for the test");
  });

  it("is written by the session's own model when there is no small model, and runs no tool it is answered", async () => {
    // One model for both: it tells the title request (by its instructions) from the turn's.
    const title = titleModel("Flaky parser test", { toolCall: true });
    const turn = titleModel("the reply");
    const both = new MockLanguageModelV3({
      doStream: (options) =>
        JSON.stringify(options.prompt[0]).includes("title generator")
          ? title.doStream(options)
          : turn.doStream(options),
    });
    let toolRuns = 0;
    const tools: ToolDefinition[] = [
      {
        name: "write",
        description: "writes",
        parameters: z.object({}),
        execute: async () => {
          toolRuns++;
          return { title: "write", output: "written", metadata: {} };
        },
      },
    ];
    fixture = await openCoreFixture({
      prefix: "titles",
      tools,
      core: { resolveModel: async () => resolved(both, "main"), titles: { smallModel: async () => undefined } },
    });
    const { core } = fixture;
    const session = await core.sessions.create({ directory: "/tmp/project" });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: PROMPT }] });
    await core.sessions.titlesSettled();

    expect(title.doStreamCalls).toHaveLength(1);
    expect(turn.doStreamCalls).toHaveLength(1);
    expect((await core.sessions.get(session.id)).title).toBe("Flaky parser test");
    const messages = await core.sessions.messages(session.id);
    expect(messages).toHaveLength(2);
    expect(messages.flatMap((message) => message.parts).some((part) => part.type === "tool")).toBe(false);
    expect(toolRuns).toBe(0);
    // The title request offered no tools; the turn's did.
    expect((title.doStreamCalls[0] as LanguageModelV3CallOptions).tools).toBeUndefined();
    expect((turn.doStreamCalls[0] as LanguageModelV3CallOptions).tools?.map((tool) => tool.name)).toEqual([
      "write",
      "task",
    ]);
  });
});
