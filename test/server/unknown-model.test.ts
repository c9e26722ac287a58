// A prompt naming a model its provider does not list (issue 18 §1), on a real `moor serve`: OpenCode refuses it
// (a 500 UnknownError there); moor answers 400 `unknown_model` with OpenCode's `{name, data}` beside its own error,
// stores nothing and calls no model. A provider configured with only a baseURL still takes any id.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts, Session } from "../../src/protocol/index.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let server: ServeHandle | undefined;
let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

const json = { "content-type": "application/json" };

describe("unknown model over HTTP", () => {
  it("an unlisted model of a listing provider is a 400 unknown_model; an unlisting provider takes any id", async () => {
    const home = makeTempHome(llm.url, {
      provider: {
        fake: { npm: "@ai-sdk/openai-compatible", options: { baseURL: llm.url }, models: { echo: { name: "Echo" } } },
        open: { npm: "@ai-sdk/openai-compatible", options: { baseURL: llm.url } },
      },
    });
    server = await startServe(home.env, [], home.project);
    const url = server.url;
    const session = (await (
      await fetch(`${url}/session`, { method: "POST", headers: json, body: "{}" })
    ).json()) as Session;
    const prompt = (model: { providerID: string; modelID: string }, route = "message") =>
      fetch(`${url}/session/${session.id}/${route}`, {
        method: "POST",
        headers: json,
        body: JSON.stringify({ model, parts: [{ type: "text", text: "hi" }] }),
      });
    llm.requests.length = 0;
    for (const route of ["message", "prompt_async"]) {
      const refused = await prompt({ providerID: "fake", modelID: "nope" }, route);
      expect(refused.status, route).toBe(400);
      const body = (await refused.json()) as {
        error: { code: string; message: string };
        name: string;
        data: { message: string };
      };
      expect(body.error.code).toBe("unknown_model");
      expect(body.error.message).toContain('"fake/nope"');
      expect(body.name).toBe("ProviderModelNotFoundError");
      expect(body.data.message).toBe(body.error.message);
    }
    const messages = (await (await fetch(`${url}/session/${session.id}/message`)).json()) as MessageWithParts[];
    expect(messages).toEqual([]);
    expect(llm.requests.length).toBe(0);

    llm.script({ text: "fine" });
    const accepted = await prompt({ providerID: "open", modelID: "any-id-at-all" });
    expect(accepted.status).toBe(200);
    expect(llm.requests[0].model).toBe("any-id-at-all");
  });
});
