// OpenCode's TUI reads `model.limit.context`, `model.cost`, `model.capabilities` from `/config/providers` and
// `/provider` without guards: with moor's old bare `{id, name, providerID}` models, `opencode attach` crashed
// ("undefined is not an object (evaluating 'q?.limit.context')"). The shapes here are compared with what
// OpenCode 1.18.33 answered for the same provider config (fixtures/opencode-1.18.33/, captured from `opencode serve`).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { listProviders } from "../../src/providers/resolve.js";
import { shapeOf } from "./shape.js";

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`./fixtures/opencode-1.18.33/${name}`, import.meta.url), "utf8"));

/** The config OpenCode's fixtures were captured with (apiKey aside: moor does not echo it). */
const config = {
  model: "mock/echo",
  provider: {
    mock: {
      npm: "@ai-sdk/openai-compatible",
      name: "Mock",
      options: { baseURL: "http://127.0.0.1:9/v1", apiKey: "x" },
      models: { echo: { name: "echo", limit: { context: 1000, output: 100 } } },
    },
  },
};

describe("model objects in OpenCode's full shape", () => {
  it("/config/providers: provider and model have OpenCode's keys and types", () => {
    const ours = listProviders(config);
    const theirs = fixture("config-providers.json");
    const { options: _ourOptions, ...ourProvider } = ours.providers[0];
    const { options: _theirOptions, ...theirProvider } = theirs.providers[0];
    expect(shapeOf(ourProvider)).toEqual(shapeOf(theirProvider));
    expect(shapeOf(ours.providers[0].models.echo)).toEqual(shapeOf(theirs.providers[0].models.echo));
    expect(ours.default).toEqual(theirs.default);
  });

  it("fills limit and cost from the config, with OpenCode's defaults where it says nothing", () => {
    const echo = listProviders(config).providers[0].models.echo;
    expect(echo).toEqual(fixture("config-providers.json").providers[0].models.echo);
    const priced = listProviders({
      provider: {
        p: {
          models: {
            m: {
              cost: { input: 3, output: 15, cache_read: 0.3 },
              reasoning: true,
              modalities: { input: ["text", "image"], output: ["text"] },
            },
          },
        },
      },
    }).providers[0].models.m;
    expect(priced.cost).toEqual({ input: 3, output: 15, cache: { read: 0.3, write: 0 } });
    expect(priced.limit).toEqual({ context: 0, output: 0 });
    expect(priced.capabilities).toMatchObject({ reasoning: true, attachment: true, input: { image: true } });
  });

  it("never sends the provider's apiKey to a client", () => {
    const provider = listProviders(config).providers[0];
    expect(provider.options).toEqual({ baseURL: "http://127.0.0.1:9/v1" });
    expect(JSON.stringify(provider)).not.toContain('"apiKey"');
  });
});
