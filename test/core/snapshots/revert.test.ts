// Snapshots and undo on a real project folder (git and non-git), with the real write and bash tools and a
// scripted model: every changed file is in the step's patch part and the diff, revert restores the bytes, unrevert
// brings the agent's version back, a hand edit is a conflict, and the next prompt makes the revert final.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBuiltinTools } from "../../../src/core/tools/index.js";
import type { MessageWithParts, Part } from "../../../src/protocol/index.js";
import { type CoreFixture, openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep } from "../scripted-model.js";

const BINARY = Buffer.from([0, 1, 2, 255, 254, 0, 10, 13, 0]);

interface Setup {
  fixture: CoreFixture;
  project: string;
  cleanup(): Promise<void>;
}

const opened: Setup[] = [];
afterEach(async () => {
  for (const setup of opened.splice(0)) await setup.cleanup();
});

async function open(steps: ScriptedStep[], options: { git: boolean; homeIsProject?: boolean; snapshot?: boolean }) {
  const root = mkdtempSync(join(tmpdir(), "moor-snap-"));
  const project = join(root, "project");
  execFileSync("mkdir", ["-p", project]);
  writeFileSync(join(project, "keep.txt"), "original\n");
  writeFileSync(join(project, "gone.txt"), "to be deleted\n");
  writeFileSync(join(project, "bin.dat"), BINARY);
  writeFileSync(join(project, ".gitignore"), "ignored.log\n");
  if (options.git) {
    execFileSync("git", ["init", "-q"], { cwd: project });
    execFileSync("git", ["add", "-A"], { cwd: project });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "init"], { cwd: project });
  }
  const fixture = await openCoreFixture({
    dir: root,
    steps,
    settings: { permission: { "*": "allow" }, snapshot: options.snapshot },
    tools: ({ todos }) => createBuiltinTools({ commandEnv: () => ({ PATH: process.env.PATH ?? "" }), todos }),
    core: {
      snapshots: { dir: join(root, "data", "snapshot"), home: options.homeIsProject ? project : join(root, "home") },
    },
  });
  const setup: Setup = {
    fixture,
    project,
    cleanup: async () => {
      await fixture.close();
      rmSync(root, { recursive: true, force: true });
    },
  };
  opened.push(setup);
  return setup;
}

/** Step 1 writes with a tool, step 2 changes files with bash (a deletion and a binary file among them). */
const agentSteps: ScriptedStep[] = [
  { toolCalls: [{ name: "write", input: { filePath: "keep.txt", content: "agent wrote this\n" } }] },
  {
    toolCalls: [
      {
        name: "bash",
        input: {
          command: "rm gone.txt && printf 'new\\001\\000' > bin.dat && echo made > made.txt && echo x > ignored.log",
        },
      },
    ],
  },
  { text: "done" },
];

const patches = (messages: MessageWithParts[]) =>
  messages.flatMap((message) =>
    message.parts.filter((part): part is Part & { type: "patch" } => part.type === "patch"),
  );

describe.each([
  { git: true, name: "a git project" },
  { git: false, name: "a non-git project" },
])("snapshots in $name", ({ git }) => {
  it("records tool and bash changes in patch parts and the diff; revert, unrevert, conflicts, final on next prompt", async () => {
    const { fixture, project } = await open(agentSteps, { git });
    const { sessions } = fixture.core;
    const session = await sessions.create({ directory: project });
    const result = await sessions.prompt(session.id, { parts: [{ type: "text", text: "change things" }] });
    expect(result.finish).toBe("stop");
    const userHead = git ? execFileSync("git", ["rev-parse", "HEAD"], { cwd: project, encoding: "utf8" }) : "";

    const messages = await sessions.messages(session.id);
    const [first, second] = patches(messages);
    expect(first.files).toEqual(["keep.txt"]);
    expect([...second.files].sort()).toEqual(["bin.dat", "gone.txt", "made.txt"]);
    const diff = await sessions.diff(session.id);
    expect(diff.map((entry) => entry.file).sort()).toEqual(["bin.dat", "gone.txt", "keep.txt", "made.txt"]);
    expect(diff.find((entry) => entry.file === "gone.txt")?.status).toBe("deleted");
    expect(diff.find((entry) => entry.file === "made.txt")?.status).toBe("added");
    expect(diff.find((entry) => entry.file === "keep.txt")?.patch).toContain("+agent wrote this");
    const turnDiff = await sessions.diff(session.id, result.user.id);
    expect(turnDiff).toHaveLength(4);

    // Revert to before the prompt: every file's bytes as they were.
    const reverted = await sessions.revert(session.id, { messageID: result.user.id });
    expect(reverted.revert?.messageID).toBe(result.user.id);
    expect(reverted.revert?.snapshot).toMatch(/^[0-9a-f]{40}$/);
    expect(reverted.revert?.diff).toContain("keep.txt");
    expect(readFileSync(join(project, "keep.txt"), "utf8")).toBe("original\n");
    expect(readFileSync(join(project, "gone.txt"), "utf8")).toBe("to be deleted\n");
    expect(readFileSync(join(project, "bin.dat")).equals(BINARY)).toBe(true);
    expect(existsSync(join(project, "made.txt"))).toBe(false);
    // An ignored file is neither snapshotted nor touched.
    expect(readFileSync(join(project, "ignored.log"), "utf8")).toBe("x\n");

    // Unrevert: the agent's version again.
    const back = await sessions.unrevert(session.id);
    expect(back.revert).toBeUndefined();
    expect(readFileSync(join(project, "keep.txt"), "utf8")).toBe("agent wrote this\n");
    expect(existsSync(join(project, "gone.txt"))).toBe(false);
    expect(readFileSync(join(project, "bin.dat")).equals(Buffer.from("new\x01\x00", "latin1"))).toBe(true);
    expect(readFileSync(join(project, "made.txt"), "utf8")).toBe("made\n");

    // A hand edit after the agent's change is a conflict, unless forced.
    writeFileSync(join(project, "made.txt"), "edited by hand\n");
    const conflict = await sessions.revert(session.id, { messageID: result.user.id }).catch((error) => error);
    expect(conflict.code).toBe("conflict");
    expect(conflict.files).toEqual(["made.txt"]);
    expect(conflict.message).toContain("made.txt");
    expect(readFileSync(join(project, "keep.txt"), "utf8")).toBe("agent wrote this\n");
    await sessions.revert(session.id, { messageID: result.user.id, force: true });
    expect(existsSync(join(project, "made.txt"))).toBe(false);

    // The user's own repository is as it was: same HEAD, and (all reverted) a clean status.
    if (git) {
      expect(execFileSync("git", ["rev-parse", "HEAD"], { cwd: project, encoding: "utf8" })).toBe(userHead);
      expect(execFileSync("git", ["status", "--porcelain"], { cwd: project, encoding: "utf8" })).toBe("");
    }

    // The next prompt makes the revert final: the hidden messages are deleted and announced.
    const hidden = messages.filter((message) => message.info.id >= result.user.id).map((message) => message.info.id);
    fixture.model.doStreamCalls.length = 0;
    await sessions.prompt(session.id, { parts: [{ type: "text", text: "again" }] });
    const removed = fixture.events
      .filter((envelope) => envelope.event.type === "message.removed")
      .map((envelope) => (envelope.event.properties as { messageID: string }).messageID);
    expect(removed.sort()).toEqual(hidden.sort());
    const after = await sessions.messages(session.id);
    expect(after.some((message) => hidden.includes(message.info.id))).toBe(false);
    expect((await sessions.get(session.id)).revert).toBeUndefined();
  });
});

describe("a step that is aborted", () => {
  it("still gets its patch part once the turn is over, and its change can be reverted", async () => {
    const { fixture, project } = await open(
      [{ toolCalls: [{ name: "bash", input: { command: "echo partial > partial.txt && sleep 20" } }] }],
      { git: false },
    );
    const { sessions } = fixture.core;
    const session = await sessions.create({ directory: project });
    const { user, done } = await sessions.submit(session.id, { parts: [{ type: "text", text: "go" }] });
    while (!existsSync(join(project, "partial.txt"))) await new Promise((resolve) => setTimeout(resolve, 20));
    await sessions.abort(session.id);
    expect((await done).finish).toBe("aborted");
    let found: string[] = [];
    for (let attempt = 0; attempt < 250 && found.length === 0; attempt++) {
      found = patches(await sessions.messages(session.id)).flatMap((part) => part.files);
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(found).toEqual(["partial.txt"]);
    await sessions.revert(session.id, { messageID: user.id });
    expect(existsSync(join(project, "partial.txt"))).toBe(false);
  });
});

describe("snapshot limits", () => {
  it("does not snapshot the home folder, and says so once", async () => {
    // The project is the (fake) home folder.
    const again = await open(agentSteps, { git: false, homeIsProject: true });
    const { sessions } = again.fixture.core;
    const session = await sessions.create({ directory: again.project });
    await sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(patches(await sessions.messages(session.id))).toEqual([]);
    const notices = again.fixture.events.filter(
      (envelope) =>
        envelope.event.type === "session.error" &&
        (envelope.event.properties as { error: { kind?: string } }).error.kind === "snapshot",
    );
    expect(notices).toHaveLength(1);
    expect(JSON.stringify(notices[0].event.properties)).toContain("home folder");
    const refused = await sessions
      .revert(session.id, { messageID: (await sessions.messages(session.id))[0].info.id })
      .catch((error) => error);
    expect(refused.code).toBe("conflict");
  });

  it("config snapshot: false turns snapshots off", async () => {
    const { fixture, project } = await open(agentSteps, { git: false, snapshot: false });
    const { sessions } = fixture.core;
    const session = await sessions.create({ directory: project });
    await sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    const messages = await sessions.messages(session.id);
    expect(patches(messages)).toEqual([]);
    // Nothing to revert from: refused, and no shadow repository is made for it either.
    const refused = await sessions.revert(session.id, { messageID: messages[0].info.id }).catch((error) => error);
    expect(refused.code).toBe("conflict");
    expect(existsSync(join(fixture.dir, "data", "snapshot"))).toBe(false);
  });

  it("refuses a revert while a turn runs", async () => {
    const { fixture, project } = await open([{ text: "slow", delayMs: 2000 }], { git: false });
    const { sessions } = fixture.core;
    const session = await sessions.create({ directory: project });
    const { user, done } = await sessions.submit(session.id, { parts: [{ type: "text", text: "go" }] });
    const refused = await sessions.revert(session.id, { messageID: user.id }).catch((error) => error);
    expect(refused.code).toBe("busy");
    expect(refused.message).toContain("running a turn");
    await sessions.abort(session.id);
    await done;
  });
});
