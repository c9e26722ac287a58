// A turn cut off by the end of its process is found once, by the core of the next start, which says so in the log
// (the sweep used to run in cli before the core existed, so the core never knew and the warning never printed).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { waitForOutput } from "../fakes/moor-process.js";
import { startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

const json = { "content-type": "application/json" };

describe("moor serve after a crash", () => {
  it("warns in its log about the turns the killed run left, naming their sessions", async () => {
    const home = makeTempHome(llm.url);
    llm.respond(() => ({ text: "a long answer that is still streaming ".repeat(40), delayMs: 20 }));
    const first = await startServe(home.env, [], home.project);
    const session = (await (
      await fetch(`${first.url}/session`, { method: "POST", headers: json, body: "{}" })
    ).json()) as {
      id: string;
    };
    const stream = watchSse(`${first.url}/event`, {
      until: (items) => items.some((item) => item.event.type === "message.part.delta"),
      timeoutMs: 10_000,
    });
    await stream.connected;
    await fetch(`${first.url}/session/${session.id}/prompt_async`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ parts: [{ type: "text", text: "talk" }] }),
    });
    await stream.done;
    await first.stop("SIGKILL");

    const second = await startServe(home.env, ["--print-logs"], home.project);
    try {
      // stdout (the URL line) and stderr (the log) are separate pipes: the log line may come a moment later.
      await waitForOutput(second.child, (_stdout, stderr) => stderr.includes("marked interrupted"));
      const warning = second.child
        .output()
        .stderr.split("\n")
        .find((line) => line.includes("marked interrupted"));
      expect(warning, second.child.output().stderr).toBeDefined();
      expect(JSON.parse(warning as string).sessions).toEqual([session.id]);
      // And the banner says so to a person, with how to resume.
      await waitForOutput(second.child, (stdout) => stdout.includes("--resume"));
      const stdout = second.child.output().stdout;
      expect(stdout).toMatch(new RegExp(`interrupted:\\s+1 turn cut short by the last stop: ${session.id}`));
      expect(stdout).toContain(`moor run --attach ${second.url} --session ${session.id} --resume`);
      const messages = (await (await fetch(`${second.url}/session/${session.id}/message`)).json()) as {
        info: { role: string; error?: { name: string } };
      }[];
      expect(messages.at(-1)?.info.error?.name).toBe("InterruptedError");
    } finally {
      await second.stop();
    }
  });
});
