// A real `moor serve` child names a session with the config's `small_model`, through the fake LLM server, after
// the turn's reply; a failing title request is logged and leaves the first line.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, lastUserText, startFakeLlm } from "../fakes/llm-server.js";
import { startServe } from "../fakes/serve.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

const json = { "content-type": "application/json" };

async function titleOf(url: string, id: string): Promise<string> {
  return ((await (await fetch(`${url}/session/${id}`)).json()) as { title: string }).title;
}

async function waitForTitle(url: string, id: string, expected: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while ((await titleOf(url, id)) !== expected) {
    if (Date.now() > deadline) throw new Error(`title is still "${await titleOf(url, id)}"`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("session titles in moor serve", () => {
  it("are written by small_model after the first prompt", async () => {
    const home = makeTempHome(llm.url, {
      small_model: "fake/tiny",
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llm.url, apiKey: "test-key" },
          models: { echo: { name: "Echo", tool_call: true }, tiny: { name: "Tiny" } },
        },
      },
    });
    llm.setTitleReply((request) => ({
      text: lastUserText(request).includes("rename the config loader") ? '"Renaming the config loader"' : "",
    }));
    const server = await startServe(home.env, [], home.project);
    try {
      const session = (await (
        await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" })
      ).json()) as { id: string };
      const reply = await fetch(`${server.url}/session/${session.id}/message`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ parts: [{ type: "text", text: "rename the config loader" }] }),
      });
      expect(reply.status).toBe(200);
      await waitForTitle(server.url, session.id, "Renaming the config loader");

      const titleRequests = llm.titleRequests.filter((request) =>
        JSON.stringify(request.messages).includes("rename the config loader"),
      );
      expect(titleRequests.map((request) => request.model)).toEqual(["tiny"]);
      expect(titleRequests[0].tools).toBeUndefined();
      // The turn itself went to the session's model; the title made no message.
      const turn = llm.requests.filter((request) => lastUserText(request) === "rename the config loader");
      expect(turn.map((request) => request.model)).toEqual(["echo"]);
      const messages = (await (await fetch(`${server.url}/session/${session.id}/message`)).json()) as unknown[];
      expect(messages).toHaveLength(2);
    } finally {
      await server.stop();
    }
  });

  it("keep the first line when the title request fails, and say so in the log", async () => {
    const home = makeTempHome(llm.url);
    llm.setTitleReply({ error: 500, message: "title model down" });
    const server = await startServe(home.env, ["--print-logs"], home.project);
    try {
      const session = (await (
        await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" })
      ).json()) as { id: string };
      await fetch(`${server.url}/session/${session.id}/message`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ parts: [{ type: "text", text: "explain the build\nin detail" }] }),
      });
      const logged = () => server.child.output().stderr.includes("title was not written");
      const deadline = Date.now() + 5000;
      while (!logged()) {
        if (Date.now() > deadline) throw new Error("the failed title was not logged");
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(await titleOf(server.url, session.id)).toBe("explain the build");
    } finally {
      await server.stop();
      llm.setTitleReply({ text: "" });
    }
  });
});
