import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { streamText, tool } from "ai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as z from "zod";
import { detectOllama } from "../../src/providers/ollama.js";
import { listProviders, ModelNotConfiguredError, resolveModel } from "../../src/providers/resolve.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

const config = () => ({
  model: "fake/echo",
  provider: {
    fake: {
      npm: "@ai-sdk/openai-compatible",
      options: { baseURL: llm.url, apiKey: "k" },
      models: { echo: { name: "Echo" } },
    },
  },
});

async function collect(prompt: string) {
  const { model } = await resolveModel(config(), undefined, { env: {} });
  const result = streamText({ model, prompt, maxRetries: 0, onError: () => {} });
  const chunks: { type: string; text?: string; error?: unknown; toolName?: string }[] = [];
  for await (const chunk of result.fullStream) chunks.push(chunk as never);
  return chunks;
}

describe("providers and the fake model", () => {
  it("streams text and reasoning from the fake through the real AI SDK provider", async () => {
    llm.script({ reasoning: "thinking hard", text: "hello there friend" });
    const chunks = await collect("hi");
    expect(
      chunks
        .filter((c) => c.type === "text-delta")
        .map((c) => c.text)
        .join(""),
    ).toBe("hello there friend");
    expect(
      chunks
        .filter((c) => c.type === "reasoning-delta")
        .map((c) => c.text)
        .join(""),
    ).toBe("thinking hard");
  });

  it("streams parallel tool calls", async () => {
    llm.script({
      toolCalls: [
        { name: "read", args: { filePath: "a" } },
        { name: "read", args: { filePath: "b" } },
      ],
    });
    const { model } = await resolveModel(config(), undefined, { env: {} });
    const tools = { read: tool({ description: "read", inputSchema: z.object({ filePath: z.string() }) }) };
    const result = streamText({ model, prompt: "x", tools, maxRetries: 0 });
    const calls: unknown[] = [];
    for await (const chunk of result.fullStream) if (chunk.type === "tool-call") calls.push(chunk.input);
    expect(calls).toEqual([{ filePath: "a" }, { filePath: "b" }]);
  });

  it("surfaces HTTP errors with their status, and a dropped stream as an error", async () => {
    llm.script({ error: 500, message: "boom" });
    const failed = await collect("x");
    const error = failed.find((c) => c.type === "error")?.error as { statusCode?: number };
    expect(error?.statusCode).toBe(500);
    llm.script({ text: "one two three four five six", dropAfterTokens: 3 });
    const dropped = await collect("x");
    expect(dropped.some((c) => c.type === "error")).toBe(true);
  });

  it("needs a model: the error names the three ways", async () => {
    await expect(resolveModel({}, undefined, { env: {} })).rejects.toBeInstanceOf(ModelNotConfiguredError);
    await expect(resolveModel({}, undefined, { env: {} })).rejects.toThrow(/--model.*MOOR_MODEL.*moor\.json/);
    await expect(resolveModel(config(), "nope/x", { env: {} })).rejects.toThrow(
      /unknown provider "nope"; configured providers: fake/,
    );
    await expect(resolveModel({}, "openai/gpt-4o", { env: {} })).rejects.toThrow(/OPENAI_API_KEY/);
    expect((await resolveModel({}, "anthropic/claude", { env: { ANTHROPIC_API_KEY: "x" } })).providerID).toBe(
      "anthropic",
    );
  });

  it("lists providers in OpenCode's /config/providers shape", () => {
    const listing = listProviders(config());
    expect(listing.default).toEqual({ fake: "echo" });
    expect(listing.providers).toMatchObject([
      { id: "fake", name: "fake", models: { echo: { id: "echo", name: "Echo", providerID: "fake" } } },
    ]);
  });

  it("offers a local Ollama's models when one answers", async () => {
    const ollama = createServer((req, res) => {
      res.writeHead(req.url === "/api/tags" ? 200 : 404, { "content-type": "application/json" });
      res.end(JSON.stringify({ models: [{ name: "qwen2.5-coder" }, { name: "llama3" }] }));
    });
    await new Promise<void>((resolve) => ollama.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(ollama.address() as AddressInfo).port}`;
    const found = await detectOllama(fetch, base);
    expect(found?.options?.baseURL).toBe(`${base}/v1`);
    expect(Object.keys(found?.models ?? {})).toEqual(["qwen2.5-coder", "llama3"]);
    ollama.close();
    expect(await detectOllama(fetch, "http://127.0.0.1:1")).toBeUndefined();
  });
});
