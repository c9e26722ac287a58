// The todo tools reach the session's list through the TodoList core gives their factory (not every ToolContext).
import { expect, it } from "vitest";
import { createBuiltinTools } from "../../src/core/tools/index.js";
import type { BusEnvelope } from "../../src/protocol/index.js";
import { openCoreFixture } from "../fakes/core-fixture.js";

it("todowrite stores the session's list, then announces todo.updated; todoread reads it back", async () => {
  const todos = [{ content: "ship", status: "pending", priority: "high" }];
  const fixture = await openCoreFixture({
    prefix: "todos",
    steps: [
      { toolCalls: [{ name: "todowrite", input: { todos } }] },
      { toolCalls: [{ name: "todoread", input: {} }] },
      { text: "done" },
    ],
    settings: { permission: "allow" },
    tools: (services) => createBuiltinTools({ commandEnv: () => ({}), todos: services.todos }),
  });
  const { core, store, dir } = fixture;
  try {
    const session = await core.sessions.create({ directory: dir });
    const updates: { event: BusEnvelope["event"]; stored: Promise<unknown> }[] = [];
    core.bus.subscribe(({ event }) => {
      // Read when announced (the SQLite store reads when called): the list must already be stored.
      if (event.type === "todo.updated") updates.push({ event, stored: store.getTodos(session.id) });
    });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "plan" }] });
    expect(await Promise.all(updates.map(async (u) => ({ event: u.event, stored: await u.stored })))).toEqual([
      {
        event: { type: "todo.updated", properties: { sessionID: session.id, todos } },
        stored: todos,
      },
    ]);
    expect(await core.sessions.todos(session.id)).toEqual(todos);
    const read = (await core.sessions.messages(session.id))
      .flatMap((message) => message.parts)
      .find((part) => part.type === "tool" && part.tool === "todoread");
    expect(read?.type === "tool" && read.state.status === "completed" && JSON.parse(read.state.output)).toEqual(todos);
  } finally {
    await fixture.close();
  }
});
