// The permission chain: links decide in order before the user is asked, and a waiting call is released by the
// `permission.replied` event, whoever stored the answer: this core, or another process on the same database.
import { afterEach, describe, expect, it } from "vitest";
import * as z from "zod";
import type { PermissionLink } from "../../src/core/permission.js";
import type { ToolDefinition } from "../../src/core/tools/tool.js";
import type { PermissionRequest, ToolPart } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const touchTool: ToolDefinition<{ path: string }> = {
  name: "touch",
  description: "pretend to change a file",
  parameters: z.object({ path: z.string() }),
  async execute(input, ctx) {
    await ctx.ask({ permission: "edit", patterns: [input.path] });
    return { title: "touched", output: `touched ${input.path}`, metadata: {} };
  },
};

const callTouch = (path: string) => [{ toolCalls: [{ name: "touch", input: { path } }] }, { text: "done" }];

async function toolPart(fixture: CoreFixture, sessionID: string): Promise<ToolPart> {
  const messages = await fixture.core.sessions.messages(sessionID);
  return messages.flatMap((m) => m.parts).find((p): p is ToolPart => p.type === "tool") as ToolPart;
}

describe("permission chain", () => {
  const opened: CoreFixture[] = [];
  afterEach(async () => {
    for (const fixture of opened.splice(0)) await fixture.close();
  });
  const open = async (options: Parameters<typeof openCoreFixture>[0]) => {
    const fixture = await openCoreFixture({ prefix: "chain", tools: [touchTool], ...options });
    opened.push(fixture);
    return fixture;
  };

  it("a link added by a feature decides before the user is asked: it may allow, deny with its reason, or pass", async () => {
    const seen: string[] = [];
    const policy: PermissionLink = (_scope, ask) => {
      seen.push(ask.patterns[0]);
      if (ask.patterns[0] === "allowed.txt") return { action: "allow" };
      if (ask.patterns[0] === "secret.txt") return { action: "deny", reason: "policy: secrets stay untouched" };
      return undefined;
    };
    const fixture = await open({
      steps: [...callTouch("allowed.txt"), ...callTouch("secret.txt")],
      settings: { permission: { edit: "ask" } },
      core: { permissionLinks: [policy] },
    });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
    const allowed = await toolPart(fixture, session.id);
    expect(allowed.state.status).toBe("completed");
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
    const parts = (await fixture.core.sessions.messages(session.id)).flatMap((m) => m.parts);
    const denied = parts.filter((p): p is ToolPart => p.type === "tool")[1];
    expect(denied.state.status === "error" && denied.state.error).toBe("policy: secrets stay untouched");
    expect(seen).toEqual(["allowed.txt", "secret.txt"]);
    expect(fixture.events.some((e) => e.event.type === "permission.asked")).toBe(false);
  });

  it("the rules come first: a configured deny is never offered to later links", async () => {
    let asked = 0;
    const fixture = await open({
      steps: callTouch("a.txt"),
      settings: { permission: { edit: "deny" } },
      core: {
        permissionLinks: [
          () => {
            asked++;
            return { action: "allow" };
          },
        ],
      },
    });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const part = await toolPart(fixture, session.id);
    expect(part.state.status === "error" && part.state.error).toMatch(/denied by configuration/);
    expect(asked).toBe(0);
  });

  it("a waiting call is released by an answer another process stored in the same database", async () => {
    const fixture = await open({ steps: callTouch("shared.txt"), settings: { permission: { edit: "ask" } } });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const asked = new Promise<PermissionRequest>((resolve) =>
      fixture.core.bus.subscribe((e) => {
        if (e.event.type === "permission.asked") resolve(e.event.properties);
      }),
    );
    const turn = fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const request = await asked;
    // Another process: its own connection and its own core (so its own bus), nothing shared in memory.
    const other = await openCoreFixture({
      dir: fixture.dir,
      file: fixture.file,
      settings: { permission: { edit: "ask" } },
    });
    try {
      expect((await other.core.gate.pending()).map((p) => p.id)).toEqual([request.id]);
      expect(await other.core.gate.reply(request.id, "once")).toBe(true);
    } finally {
      await other.close();
    }
    const result = await turn;
    expect(result.finish).toBe("stop");
    const part = await toolPart(fixture, session.id);
    expect(part.state.status === "completed" && part.state.output).toBe("touched shared.txt");
  });

  it("an answer given in this process reaches the waiter through its event, and is given once", async () => {
    const fixture = await open({ steps: callTouch("x.txt"), settings: { permission: { edit: "ask" } } });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const replies: boolean[] = [];
    fixture.core.bus.subscribe((e) => {
      if (e.event.type !== "permission.asked") return;
      const id = e.event.properties.id;
      void (async () => {
        replies.push(await fixture.core.gate.reply(id, "reject", "not this file"));
        replies.push(await fixture.core.gate.reply(id, "once"));
      })();
    });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const part = await toolPart(fixture, session.id);
    expect(part.state.status === "error" && part.state.error).toBe("The user rejected this edit call: not this file");
    expect(replies).toEqual([true, false]);
    const replied = fixture.events.filter((e) => e.event.type === "permission.replied");
    expect(replied).toHaveLength(1);
    // A second connection sees the stored answer: the first one stands.
    const reader = new SqliteStore(fixture.file);
    try {
      const [stored] = replied.map((e) => e.event.properties as { requestID: string });
      expect((await reader.getPermission(stored.requestID))?.status).toBe("reject");
    } finally {
      reader.closeNow();
    }
  });
});
