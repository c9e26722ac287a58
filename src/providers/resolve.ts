// Config → an AI SDK LanguageModel. Model ids are `provider/model`. Provider packages load lazily (they are heavy
// and only needed when a turn runs).
import type { LanguageModelV3 } from "@ai-sdk/provider";
import type { ModelConfig, MoorConfig, ProviderConfig } from "../config/schema.js";
import { toWireModel, type WireModel } from "./wire-model.js";

export class ModelNotConfiguredError extends Error {
  constructor() {
    super(
      'no model configured: pass --model provider/model (-m), set MOOR_MODEL, or set "model" in ~/.config/moor/moor.json',
    );
    this.name = "ModelNotConfiguredError";
  }
}

export class ProviderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProviderError";
  }
}

/** A provider that lists its models was asked for one it does not list (OpenCode refuses it too). */
export class UnknownModelError extends Error {
  constructor(providerID: string, modelID: string, listed: string[]) {
    super(`unknown model "${providerID}/${modelID}"; provider "${providerID}" lists: ${listed.join(", ")}`);
    this.name = "UnknownModelError";
  }
}

export interface ResolvedProviderModel {
  model: LanguageModelV3;
  providerID: string;
  modelID: string;
  info?: ModelConfig;
}

export interface ResolveOptions {
  env: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

type Env = Record<string, string | undefined>;

/** Providers that work with only an API key in the environment. */
const BUILTIN_PROVIDERS: Record<string, { npm: string; name: string; envKey: string }> = {
  openai: { npm: "@ai-sdk/openai", name: "OpenAI", envKey: "OPENAI_API_KEY" },
  anthropic: { npm: "@ai-sdk/anthropic", name: "Anthropic", envKey: "ANTHROPIC_API_KEY" },
};

export function splitModelId(id: string): { providerID: string; modelID: string } {
  const slash = id.indexOf("/");
  if (slash <= 0 || slash === id.length - 1) {
    throw new ProviderError(`model must be written provider/model, got "${id}"`);
  }
  return { providerID: id.slice(0, slash), modelID: id.slice(slash + 1) };
}

export async function resolveModel(
  config: MoorConfig,
  modelId: string | undefined,
  options: ResolveOptions,
): Promise<ResolvedProviderModel> {
  const id = modelId ?? config.model;
  if (!id) throw new ModelNotConfiguredError();
  const { providerID, modelID } = splitModelId(id);
  const provider = providerConfig(config, providerID, options.env);
  // A provider whose config lists its models takes only those; one with only a baseURL takes any id.
  const listed = Object.keys(provider.models ?? {});
  if (listed.length > 0 && !Object.hasOwn(provider.models ?? {}, modelID)) {
    throw new UnknownModelError(providerID, modelID, listed);
  }
  const info = provider.models?.[modelID];
  const apiModelID = typeof info?.id === "string" ? info.id : modelID;
  const model = await createLanguageModel(providerID, provider, apiModelID, options);
  return { model, providerID, modelID, info };
}

function providerConfig(config: MoorConfig, providerID: string, env: Env): ProviderConfig {
  const configured = config.provider?.[providerID];
  const builtin = BUILTIN_PROVIDERS[providerID];
  if (configured) return { ...configured, npm: configured.npm ?? builtin?.npm };
  if (builtin) return { npm: builtin.npm, name: builtin.name, options: { apiKey: env[builtin.envKey] } };
  const known = [...Object.keys(config.provider ?? {}), ...Object.keys(BUILTIN_PROVIDERS)];
  throw new ProviderError(`unknown provider "${providerID}"; configured providers: ${known.join(", ")}`);
}

async function createLanguageModel(
  providerID: string,
  provider: ProviderConfig,
  modelID: string,
  options: ResolveOptions,
): Promise<LanguageModelV3> {
  const settings = provider.options ?? {};
  const npm = provider.npm ?? (settings.baseURL ? "@ai-sdk/openai-compatible" : undefined);
  const common = { apiKey: settings.apiKey, headers: settings.headers, fetch: options.fetch };
  switch (npm) {
    case "@ai-sdk/openai-compatible": {
      if (!settings.baseURL) throw new ProviderError(`provider "${providerID}" needs options.baseURL`);
      const { createOpenAICompatible } = await import("@ai-sdk/openai-compatible");
      return createOpenAICompatible({
        ...common,
        name: providerID,
        baseURL: settings.baseURL,
        includeUsage: true,
      }).chatModel(modelID);
    }
    case "@ai-sdk/openai": {
      const apiKey = settings.apiKey ?? options.env.OPENAI_API_KEY;
      if (!apiKey) throw new ProviderError(`provider "${providerID}" needs an API key: set OPENAI_API_KEY`);
      const { createOpenAI } = await import("@ai-sdk/openai");
      return createOpenAI({ ...common, apiKey, baseURL: settings.baseURL }).chat(modelID);
    }
    case "@ai-sdk/anthropic": {
      const apiKey = settings.apiKey ?? options.env.ANTHROPIC_API_KEY;
      if (!apiKey) throw new ProviderError(`provider "${providerID}" needs an API key: set ANTHROPIC_API_KEY`);
      const { createAnthropic } = await import("@ai-sdk/anthropic");
      return createAnthropic({ ...common, apiKey, baseURL: settings.baseURL })(modelID);
    }
    default:
      throw new ProviderError(
        `provider "${providerID}": unsupported npm package "${npm ?? "(none)"}"; use @ai-sdk/openai-compatible, @ai-sdk/openai or @ai-sdk/anthropic`,
      );
  }
}

export interface WireProvider {
  id: string;
  name: string;
  source: string;
  env: string[];
  /** Only `baseURL`: OpenCode echoes `apiKey` here too; moor never sends a secret to a client. */
  options: Record<string, unknown>;
  models: Record<string, WireModel>;
}

export interface ProviderListing {
  providers: WireProvider[];
  default: Record<string, string>;
}

/** OpenCode's `/config/providers` shape, from the configured providers (and the default model). */
export function listProviders(config: MoorConfig): ProviderListing {
  const providers = Object.entries(config.provider ?? {}).map(([id, provider]): WireProvider => {
    const baseURL = provider.options?.baseURL;
    const npm = provider.npm ?? BUILTIN_PROVIDERS[id]?.npm ?? "@ai-sdk/openai-compatible";
    return {
      id,
      name: provider.name ?? id,
      source: "config",
      env: BUILTIN_PROVIDERS[id] ? [BUILTIN_PROVIDERS[id].envKey] : [],
      options: baseURL ? { baseURL } : {},
      models: Object.fromEntries(
        Object.entries(provider.models ?? {}).map(([modelID, model]) => [
          modelID,
          toWireModel(id, modelID, model, { npm }),
        ]),
      ),
    };
  });
  const defaults: Record<string, string> = {};
  if (config.model?.includes("/")) {
    const { providerID, modelID } = splitModelId(config.model);
    defaults[providerID] = modelID;
  }
  return { providers, default: defaults };
}
