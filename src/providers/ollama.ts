// With nothing configured, a local Ollama is offered: its models as an OpenAI-compatible provider named `ollama`.
import type { ProviderConfig } from "../config/schema.js";

export async function detectOllama(
  fetchImpl: typeof fetch = fetch,
  baseURL = "http://127.0.0.1:11434",
): Promise<ProviderConfig | undefined> {
  try {
    const response = await fetchImpl(`${baseURL}/api/tags`, { signal: AbortSignal.timeout(300) });
    if (!response.ok) return undefined;
    const body = (await response.json()) as { models?: { name: string }[] };
    const models = Object.fromEntries(
      (body.models ?? []).map((model) => [model.name, { name: model.name, tool_call: true }]),
    );
    if (Object.keys(models).length === 0) return undefined;
    return {
      npm: "@ai-sdk/openai-compatible",
      name: "Ollama",
      options: { baseURL: `${baseURL}/v1`, apiKey: "ollama" },
      models,
    };
  } catch {
    return undefined;
  }
}
