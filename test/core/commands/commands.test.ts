// Slash commands in core: a command's template filled and sent as the session's prompt (what the scripted model
// receives is the proof), `command.executed` after its turn, `` !`cmd` `` only under the bash permission, /init.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fillArguments } from "../../../src/core/commands/arguments.js";
import type { CommandDefinition } from "../../../src/core/commands/command.js";
import type { CoreSettings } from "../../../src/core/index.js";
import { createBuiltinTools } from "../../../src/core/tools/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import { type ScriptedStep, scriptedModel } from "../scripted-model.js";

const opened: CoreFixture[] = [];
afterEach(async () => {
  for (const fixture of opened.splice(0)) await fixture.close();
});

async function open(commands: CommandDefinition[], settings: CoreSettings = {}, steps: ScriptedStep[] = []) {
  const fixture = await openCoreFixture({
    prefix: "commands",
    steps,
    settings,
    tools: ({ todos }) => createBuiltinTools({ commandEnv: () => ({ PATH: process.env.PATH ?? "" }), todos }),
    core: { commands: () => commands },
  });
  opened.push(fixture);
  const session = await fixture.core.sessions.create({ directory: fixture.dir });
  return { ...fixture, session };
}

/** Every text the model was sent in the user messages of its `index`th request. */
function userTexts(fixture: CoreFixture, index = 0): string {
  return fixture.model.doStreamCalls[index].prompt
    .filter((message) => message.role === "user")
    .flatMap((message) => message.content)
    .map((content) => (content.type === "text" ? content.text : ""))
    .join("\n");
}

describe("command templates", () => {
  it("fills $1, $2 (the last one takes the rest) and $ARGUMENTS, and appends arguments a template does not take", () => {
    expect(fillArguments("a=$1 b=$2", 'x "y z" w')).toBe("a=x b=y z w");
    expect(fillArguments("all: $ARGUMENTS", "one two")).toBe("all: one two");
    expect(fillArguments("$1 then $3", "only")).toBe("only then ");
    expect(fillArguments("Do it.", "now please")).toBe("Do it.\n\nnow please");
    // Argument text is not scanned for placeholders again.
    expect(fillArguments("$1 / $ARGUMENTS", "$ARGUMENTS")).toBe("$ARGUMENTS / $ARGUMENTS");
  });
});

describe("running a command", () => {
  it("sends the template with $ARGUMENTS and the @file's content to the model, then publishes command.executed", async () => {
    const fixture = await open([
      { name: "explain", description: "explain a thing", template: "Explain $ARGUMENTS, see @notes.md." },
    ]);
    writeFileSync(join(fixture.dir, "notes.md"), "The cache is keyed by path.\n");
    const result = await fixture.core.commands.run(fixture.session.id, { command: "explain", arguments: "the cache" });
    const texts = userTexts(fixture);
    expect(texts).toContain("Explain the cache, see @notes.md.");
    expect(texts).toContain("The cache is keyed by path.");
    const executed = fixture.events.filter((envelope) => envelope.event.type === "command.executed");
    expect(executed.map((envelope) => envelope.event.properties)).toEqual([
      { name: "explain", sessionID: fixture.session.id, arguments: "the cache", messageID: result.user.id },
    ]);
    // After the turn: the session's last reply was announced before it.
    const types = fixture.events.map((envelope) => envelope.event.type);
    expect(types.lastIndexOf("message.updated")).toBeLessThan(types.indexOf("command.executed"));
    // The prompt shows what the user typed, and the file as an attachment.
    const stored = await fixture.core.sessions.message(fixture.session.id, result.user.id);
    expect(stored.parts[0]).toMatchObject({ type: "text", text: "/explain the cache" });
    expect(stored.parts.some((part) => part.type === "file" && part.filename === "notes.md")).toBe(true);
  });

  it("answers an unknown command with not_found naming the known ones", async () => {
    const fixture = await open([]);
    await expect(
      fixture.core.commands.run(fixture.session.id, { command: "nope", arguments: "" }),
    ).rejects.toMatchObject({ code: "not_found", message: expect.stringContaining("/init") });
    expect(fixture.model.doStreamCalls).toHaveLength(0);
  });

  it("runs !`cmd` only when the bash permission allows it, and puts its output in the prompt", async () => {
    const fixture = await open([{ name: "status", template: "Status: !`echo hello-from-shell`" }], {
      permission: { bash: "allow" },
    });
    await fixture.core.commands.run(fixture.session.id, { command: "status", arguments: "" });
    expect(userTexts(fixture)).toContain("Status: hello-from-shell");
  });

  it("never runs !`cmd` that the rules deny: the prompt says it was not run", async () => {
    const fixture = await open([{ name: "touch", template: "Made: !`touch made-by-command`" }], {
      permission: { bash: "deny" },
    });
    await fixture.core.commands.run(fixture.session.id, { command: "touch", arguments: "" });
    expect(existsSync(join(fixture.dir, "made-by-command"))).toBe(false);
    expect(userTexts(fixture)).toContain("Made: [not run:");
  });

  it("asks before !`cmd` when the rules say ask, and runs it once allowed", async () => {
    const fixture = await open([{ name: "touch", template: "Made: !`touch asked-file && echo ok`" }], {
      permission: { bash: "ask" },
    });
    const asked = new Promise<string>((resolve) => {
      fixture.core.bus.subscribe((envelope) => {
        if (envelope.event.type === "permission.asked") resolve(envelope.event.properties.id);
      });
    });
    const running = fixture.core.commands.run(fixture.session.id, { command: "touch", arguments: "" });
    const requestID = await asked;
    expect(existsSync(join(fixture.dir, "asked-file"))).toBe(false);
    await fixture.core.gate.reply(requestID, "once");
    await running;
    expect(existsSync(join(fixture.dir, "asked-file"))).toBe(true);
    expect(userTexts(fixture)).toContain("Made: ok");
  });

  it("/init has the agent write AGENTS.md", async () => {
    const fixture = await open([], { permission: { edit: "allow" } }, [
      { toolCalls: [{ name: "write", input: { filePath: "AGENTS.md", content: "# Agents\nRun npm test.\n" } }] },
      { text: "Wrote AGENTS.md." },
    ]);
    await fixture.core.commands.run(fixture.session.id, { command: "init", arguments: "" });
    expect(userTexts(fixture)).toContain("AGENTS.md");
    expect(userTexts(fixture)).toContain(fixture.dir);
    expect(readFileSync(join(fixture.dir, "AGENTS.md"), "utf8")).toContain("Run npm test.");
  });

  it("runs under the command's agent and model, over the caller's", async () => {
    const asked: unknown[] = [];
    const model = scriptedModel([]);
    const fixture = await openCoreFixture({
      prefix: "commands",
      core: {
        commands: () => [{ name: "plan-it", template: "Plan $ARGUMENTS", agent: "plan", model: "other/big" }],
        resolveModel: async (ref) => {
          asked.push(ref);
          return { model, providerID: ref?.providerID ?? "mock", modelID: ref?.modelID ?? "m" };
        },
      },
    });
    opened.push(fixture);
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    const result = await fixture.core.commands.run(session.id, {
      command: "plan-it",
      arguments: "the move",
      agent: "build",
      model: "mock/m",
    });
    expect(asked).toEqual([{ providerID: "other", modelID: "big" }]);
    expect(result.user).toMatchObject({ agent: "plan", model: { providerID: "other", modelID: "big" } });
  });

  it("lists the built-ins and the configured commands, a configured one replacing a built-in of its name", async () => {
    const fixture = await open([
      { name: "review", template: "Review $1 my way" },
      { name: "fix", template: "Fix $ARGUMENTS", description: "fix it", agent: "plan" },
    ]);
    const list = fixture.core.commands.list(fixture.dir);
    expect(list.map((command) => command.name)).toEqual(["init", "review", "fix"]);
    expect(list.find((command) => command.name === "review")).toMatchObject({
      template: "Review $1 my way",
      hints: ["$1"],
    });
    expect(list.find((command) => command.name === "fix")).toEqual({
      name: "fix",
      description: "fix it",
      agent: "plan",
      source: "command",
      template: "Fix $ARGUMENTS",
      hints: ["$ARGUMENTS"],
    });
  });
});
