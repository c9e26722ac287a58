// The todo tools reach the session's list through the TodoList core gives their factory (not every ToolContext).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { createCore } from "../../src/core/index.js";
import { createBuiltinTools } from "../../src/core/tools/index.js";
import type { BusEnvelope } from "../../src/protocol/index.js";
import { Store } from "../../src/storage/store.js";
import { scriptedModel } from "./scripted-model.js";

it("todowrite stores the session's list, then announces todo.updated; todoread reads it back", async () => {
  const dir = mkdtempSync(join(tmpdir(), "moor-todos-"));
  const store = new Store(join(dir, "moor.db"));
  try {
    const todos = [{ content: "ship", status: "pending", priority: "high" }];
    const model = scriptedModel([
      { toolCalls: [{ name: "todowrite", input: { todos } }] },
      { toolCalls: [{ name: "todoread", input: {} }] },
      { text: "done" },
    ]);
    const core = createCore({
      store,
      version: "test",
      settings: () => ({ permission: "allow" }),
      resolveModel: async () => ({ model, providerID: "mock", modelID: "m" }),
      tools: (services) => createBuiltinTools({ commandEnv: () => ({}), todos: services.todos }),
    });
    const session = core.sessions.create({ directory: dir });
    const updates: { event: BusEnvelope["event"]; stored: unknown }[] = [];
    core.bus.subscribe(({ event }) => {
      if (event.type === "todo.updated") updates.push({ event, stored: store.getTodos(session.id) });
    });
    await core.sessions.prompt(session.id, { parts: [{ type: "text", text: "plan" }] });
    expect(updates).toEqual([
      {
        event: { type: "todo.updated", properties: { sessionID: session.id, todos } },
        stored: todos,
      },
    ]);
    expect(core.sessions.todos(session.id)).toEqual(todos);
    const read = core.sessions
      .messages(session.id)
      .flatMap((message) => message.parts)
      .find((part) => part.type === "tool" && part.tool === "todoread");
    expect(read?.type === "tool" && read.state.status === "completed" && JSON.parse(read.state.output)).toEqual(todos);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
