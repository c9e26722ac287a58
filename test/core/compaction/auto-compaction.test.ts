// Issue 14 §2 acceptance: a long session on a small window never fails; its requests stay under the window; the
// summary is in them and older messages are not; the turn compaction interrupted completes; an overflow error from
// the provider triggers it too; auto:false leaves the error plain; it never loops.
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import { CONTINUE_AFTER_SUMMARY, PRUNED_OUTPUT } from "../../../src/core/history.js";
import type { CoreSettings } from "../../../src/core/index.js";
import type { ToolDefinition } from "../../../src/core/tools/tool.js";
import type { AssistantMessage, ToolPart } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import { windowedModel } from "./windowed-model.js";

const WINDOW = 4000;
const OUTPUT_CHARS = 2400;

/** A tool whose output is large (as a file read or a build log is). */
const bigTool: ToolDefinition<Record<string, never>> = {
  name: "big",
  description: "Returns a large output",
  parameters: z.object({}),
  async execute() {
    return { title: "big", output: `${"log lines\n".repeat(OUTPUT_CHARS / 10)}`, metadata: {} };
  },
};

const opened: CoreFixture[] = [];
afterEach(async () => {
  for (const fixture of opened.splice(0)) await fixture.close();
});

async function open(
  model: ReturnType<typeof windowedModel>["model"],
  settings: CoreSettings = {},
  limit: { context?: number; output?: number } | undefined = { context: WINDOW, output: 500 },
) {
  const fixture = await openCoreFixture({
    prefix: "compaction",
    tools: [bigTool],
    settings,
    core: { resolveModel: async () => ({ model, providerID: "fake", modelID: "small", limit }) },
  });
  opened.push(fixture);
  const session = await fixture.core.sessions.create({ directory: fixture.dir });
  return { fixture, session };
}

/** A prompt of about 100 tokens naming its turn. */
const promptFor = (turn: number) => `task ${turn}: ${"please look at the build log and continue the work. ".repeat(8)}`;

describe("automatic compaction", () => {
  it("keeps a 60-turn session with large tool outputs under a small window, from the summary on", async () => {
    const fake = windowedModel({ window: WINDOW });
    const { fixture, session } = await open(fake.model);
    for (let turn = 0; turn < 60; turn++) {
      const result = await fixture.core.sessions.prompt(session.id, {
        parts: [{ type: "text", text: promptFor(turn) }],
      });
      expect(result.error, `turn ${turn}`).toBeUndefined();
      expect(result.finish, `turn ${turn}`).toBe("stop");
    }
    // No request went over the window (the fake refuses those), and none was refused.
    expect(fake.requests.filter((request) => request.refused)).toEqual([]);
    expect(Math.max(...fake.requests.map((request) => request.tokens))).toBeLessThanOrEqual(WINDOW);

    const messages = await fixture.store.listMessages(session.id);
    const summaries = messages.filter(({ info }) => info.role === "assistant" && info.summary === true);
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries[0].info).toMatchObject({ agent: "compaction", mode: "compaction", finish: "stop" });
    expect(fixture.events.filter(({ event }) => event.type === "session.compacted")).toHaveLength(summaries.length);

    // Requests after the first summary carry it, and not the prompts it stands for.
    const firstSummaryText = (summaries[0].parts[0] as { text: string }).text;
    const index = fake.requests.findIndex((request) => !request.compaction && request.text.includes(firstSummaryText));
    expect(index).toBeGreaterThan(0);
    const after = fake.requests[index];
    expect(after.text).not.toContain("task 0:");
    const last = fake.requests.filter((request) => !request.compaction).at(-1);
    const newest = summaries[summaries.length - 1].parts[0] as { text: string };
    expect(last?.text).toContain(newest.text);
    expect(last?.text).not.toContain("task 0:");

    // The turn in progress when a summary was written went on and completed after it.
    for (const summary of summaries) {
      const parentID = (summary.info as AssistantMessage).parentID;
      const rest = messages.filter(
        ({ info }) => info.role === "assistant" && info.parentID === parentID && info.id > summary.info.id,
      );
      expect(rest.at(-1)?.info).toMatchObject({ finish: "stop" });
    }

    // Pruned outputs are marked, never deleted: the store still holds every byte.
    const tools = messages.flatMap(({ parts }) => parts.filter((part): part is ToolPart => part.type === "tool"));
    // One call a turn; a turn whose summary came after its call may call again (the model reads the summary).
    expect(tools.length).toBeGreaterThanOrEqual(60);
    for (const part of tools) {
      expect(part.state.status).toBe("completed");
      if (part.state.status === "completed") expect(part.state.output.length).toBe(OUTPUT_CHARS);
    }
    const pruned = tools.filter((part) => part.state.status === "completed" && part.state.time.compacted);
    expect(pruned.length).toBeGreaterThan(0);
    expect(fake.requests.some((request) => request.text.includes(PRUNED_OUTPUT))).toBe(true);
  }, 30_000);

  it("compacts when the provider answers that the context is too long, and the turn goes on", async () => {
    let refuseNext = false;
    const fake = windowedModel({
      window: 1_000_000,
      refuse: (request) => {
        if (!refuseNext || request.compaction) return false;
        refuseNext = false;
        return true;
      },
    });
    // No `limit` known: only the provider's answer tells.
    const { fixture, session } = await open(fake.model, {}, undefined);
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: promptFor(0) }] });
    refuseNext = true;
    const result = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: promptFor(1) }] });
    expect(result.error).toBeUndefined();
    expect(result.finish).toBe("stop");
    expect(fake.requests.filter((request) => request.compaction)).toHaveLength(1);
    const rerun = fake.requests[fake.requests.findIndex((request) => request.compaction) + 1];
    expect(rerun.text).toContain("SUMMARY-0");
    expect(rerun.text).toContain(CONTINUE_AFTER_SUMMARY);
    expect(rerun.text).not.toContain("task 0:");
    expect(fixture.events.some(({ event }) => event.type === "session.error")).toBe(false);
    expect(fixture.events.some(({ event }) => event.type === "session.compacted")).toBe(true);
    // The refused step does not show as a failure: the turn went on.
    const stored = await fixture.store.listMessages(session.id);
    expect(stored.filter(({ info }) => info.role === "assistant" && info.error)).toEqual([]);
  });

  it("with auto:false, leaves an overflow error to reach the user plainly", async () => {
    const fake = windowedModel({ window: 1_000_000, refuse: () => true });
    const { fixture, session } = await open(fake.model, { compaction: { auto: false } });
    const result = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hello" }] });
    expect(result.finish).toBe("error");
    expect(result.error?.name).toBe("ContextOverflowError");
    expect(result.error?.data.message).toContain("maximum context length");
    expect(fake.requests).toHaveLength(1);
    expect(fixture.events.some(({ event }) => event.type === "session.error")).toBe(true);
    expect(fixture.events.some(({ event }) => event.type === "session.compacted")).toBe(false);
  });

  it("with auto:false, does not compact a full window either", async () => {
    const fake = windowedModel({ window: WINDOW });
    const { fixture, session } = await open(fake.model, { compaction: { auto: false } });
    let failed = false;
    for (let turn = 0; turn < 20 && !failed; turn++) {
      const result = await fixture.core.sessions.prompt(session.id, {
        parts: [{ type: "text", text: promptFor(turn) }],
      });
      failed = result.finish === "error";
    }
    expect(failed).toBe(true);
    expect(fake.requests.some((request) => request.compaction)).toBe(false);
  }, 20_000);

  it("never loops: a step still refused after one compaction ends the turn with the error", async () => {
    const fake = windowedModel({ window: 1_000_000, refuse: (request) => !request.compaction });
    const { fixture, session } = await open(fake.model);
    const result = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "hello" }] });
    expect(result.finish).toBe("error");
    expect(result.error?.name).toBe("ContextOverflowError");
    // The step, one summary, the step once more.
    expect(fake.requests.map((request) => request.compaction)).toEqual([false, true, false]);
    expect(fixture.events.filter(({ event }) => event.type === "session.error")).toHaveLength(1);
  });

  it("retries a summary request that itself overflows on less history", async () => {
    const fake = windowedModel({
      window: 1_000_000,
      // The summary request is refused while it still holds the oldest turn.
      refuse: (request) => request.compaction && request.text.includes("task 0:"),
    });
    const { fixture, session } = await open(fake.model, {}, undefined);
    for (let turn = 0; turn < 4; turn++) {
      await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: promptFor(turn) }] });
    }
    await fixture.core.sessions.summarize(session.id);
    const summaries = fake.requests.filter((request) => request.compaction);
    expect(summaries.length).toBe(2);
    expect(summaries[0].refused).toBe(true);
    expect(summaries[1].refused).toBe(false);
    expect(summaries[1].text).toContain("task 3:");
    const messages = await fixture.store.listMessages(session.id);
    expect(messages.at(-1)?.info).toMatchObject({ role: "assistant", summary: true });
  });
});

describe("compaction and queued prompts", () => {
  it("a prompt queued behind the compacted turn still reaches the model after the summary", async () => {
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const fake = windowedModel({
      window: 1_000_000,
      // The first call waits until the second prompt is queued, then is refused as too long.
      refuse: (request) => !request.compaction && ++calls === 1,
    });
    const doStream = fake.model.doStream.bind(fake.model);
    fake.model.doStream = async (options) => {
      if (fake.requests.length === 0) await gate;
      return doStream(options);
    };
    const { fixture, session } = await open(fake.model, {}, undefined);
    const first = await fixture.core.sessions.submit(session.id, { parts: [{ type: "text", text: "prompt A" }] });
    const second = await fixture.core.sessions.submit(session.id, { parts: [{ type: "text", text: "prompt B" }] });
    release();
    expect((await first.done).finish).toBe("stop");
    expect((await second.done).finish).toBe("stop");
    const summary = fake.requests.find((request) => request.compaction);
    expect(summary?.text).toContain("prompt A");
    expect(summary?.text).not.toContain("prompt B");
    const last = fake.requests.at(-1);
    expect(last?.text).toContain("SUMMARY-0");
    expect(last?.text).toContain("prompt B");
  });
});
