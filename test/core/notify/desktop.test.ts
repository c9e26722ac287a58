// Desktop notifications (issue 19 §2) with a fake notify-send on the PATH the notifier is given: a failed turn is
// told (once, not again as finished), a short turn is not told under `after`, and a missing program is only logged.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Notifier } from "../../../src/core/notify/notifier.js";
import type { NotifySettings } from "../../../src/core/notify/settings.js";
import { openCoreFixture } from "../../fakes/core-fixture.js";
import type { ScriptedStep } from "../scripted-model.js";

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  settings: NotifySettings,
  withProgram = true,
  steps: ScriptedStep[] = [{ error: new Error("the provider is down") }, { text: "fine" }],
) {
  const fixture = await openCoreFixture({
    prefix: "notify-desktop",
    steps,
    core: { retry: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
  });
  cleanups.push(() => fixture.close());
  const bin = mkdtempSync(join(tmpdir(), "moor-notify-bin-"));
  cleanups.push(() => rmSync(bin, { recursive: true, force: true }));
  const log = join(bin, "calls.log");
  if (withProgram) {
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, "notify-send"), `#!/bin/sh\nprintf '%s|' "$@" >> "${log}"\necho >> "${log}"\n`);
    chmodSync(join(bin, "notify-send"), 0o755);
  }
  const lines: string[] = [];
  const notifier = new Notifier({
    bus: fixture.core.bus,
    store: fixture.store,
    settings: () => settings,
    baseUrl: () => "http://127.0.0.1:4096",
    log: { info: (line) => lines.push(line), warn: (line) => lines.push(line) },
    now: Date.now,
    desktop: { env: { PATH: bin }, platform: "linux" },
  });
  cleanups.push(() => notifier.close());
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8").split("\n").filter(Boolean) : []);
  return { fixture, notifier, calls, lines };
}

describe("desktop notifications", () => {
  it("a failed turn is told once, as failed, with the session's title; a turn that ends well, as finished", async () => {
    const { fixture, notifier, calls } = await setup({ desktop: { after: 0 } });
    const session = await fixture.core.sessions.create({ directory: fixture.dir, title: "Fix the build" });
    const failed = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    expect(failed.finish).toBe("error");
    await notifier.settled();
    expect(calls()).toEqual(["--app-name=moor|moor: Fix the build|failed: the provider is down|"]);
    const ok = await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "again" }] });
    expect(ok.finish).toBe("stop");
    await notifier.settled();
    expect(calls()).toHaveLength(2);
    expect(calls()[1]).toMatch(/^--app-name=moor\|moor: Fix the build\|finished after \d+ s\|$/);
  });

  it("a turn shorter than `after` ends without a notification", async () => {
    const { fixture, notifier, calls } = await setup({ desktop: { after: 30 } });
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] });
    await notifier.settled();
    // Only the failure of the first turn is told: the second ended well, in less than 30 s.
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toContain("failed:");
  });

  it("a subagent's session ending is not told: its parent's turn goes on", async () => {
    const { fixture, notifier, calls } = await setup({ desktop: { after: 0 } }, true, [{ text: "child done" }]);
    const parent = await fixture.core.sessions.create({ directory: fixture.dir, title: "Parent" });
    const child = await fixture.core.sessions.create({ directory: fixture.dir, title: "Child", parentID: parent.id });
    expect((await fixture.core.sessions.prompt(child.id, { parts: [{ type: "text", text: "go" }] })).finish).toBe(
      "stop",
    );
    await notifier.settled();
    expect(calls()).toEqual([]);
  });

  it("without notify-send on the PATH the turn ends as usual and the log says so once", async () => {
    const { fixture, notifier, lines } = await setup({ desktop: { after: 0 } }, false);
    const session = await fixture.core.sessions.create({ directory: fixture.dir });
    expect((await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] })).finish).toBe(
      "error",
    );
    expect((await fixture.core.sessions.prompt(session.id, { parts: [{ type: "text", text: "go" }] })).finish).toBe(
      "stop",
    );
    await notifier.settled();
    expect(lines.filter((line) => line.includes("no notify-send"))).toHaveLength(1);
  });
});
