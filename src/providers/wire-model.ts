// OpenCode's full model object, as its clients read it from `/config/providers` and `/provider`: its TUI evaluates
// `model.limit.context`, `model.cost`, `model.capabilities.*` without guards, so every key is always present. Values
// come from the model's config entry (`limit`, `cost`, `tool_call`, `reasoning`, `attachment`, `modalities`,
// `release_date`, …); what the config leaves out gets OpenCode's own defaults for a custom model (zeros, false,
// "active"), which is what `opencode serve` answers for the same config.
import type { ModelConfig } from "../config/schema.js";

export interface WireModelModalities {
  text: boolean;
  audio: boolean;
  image: boolean;
  video: boolean;
  pdf: boolean;
}

export interface WireModel {
  id: string;
  providerID: string;
  api: { id: string; url: string; npm: string };
  name: string;
  family: string;
  capabilities: {
    temperature: boolean;
    reasoning: boolean;
    attachment: boolean;
    toolcall: boolean;
    input: WireModelModalities;
    output: WireModelModalities;
    interleaved: boolean;
  };
  cost: { input: number; output: number; cache: { read: number; write: number } };
  limit: { context: number; output: number };
  status: string;
  options: Record<string, unknown>;
  headers: Record<string, string>;
  release_date: string;
  variants: Record<string, unknown>;
}

const MODALITIES = ["text", "audio", "image", "video", "pdf"] as const;

function modalities(listed: unknown, fallback: readonly string[]): WireModelModalities {
  const names = Array.isArray(listed) ? listed.filter((name) => typeof name === "string") : fallback;
  return Object.fromEntries(MODALITIES.map((name) => [name, names.includes(name)])) as unknown as WireModelModalities;
}

const num = (value: unknown): number => (typeof value === "number" && Number.isFinite(value) ? value : 0);
const bool = (value: unknown, fallback: boolean): boolean => (typeof value === "boolean" ? value : fallback);
const str = (value: unknown): string => (typeof value === "string" ? value : "");
const record = <T>(value: unknown): Record<string, T> =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, T>) : {};

export function toWireModel(
  providerID: string,
  modelID: string,
  model: ModelConfig | undefined,
  provider: { npm: string },
): WireModel {
  const m = (model ?? {}) as Record<string, unknown>;
  const cost = record<unknown>(m.cost);
  const cache = record<unknown>(cost.cache);
  const limit = record<unknown>(m.limit);
  const modality = record<unknown>(m.modalities);
  const input = modalities(modality.input, ["text"]);
  return {
    id: modelID,
    providerID,
    // `url` stays empty for a configured provider (its baseURL is in the provider's options), as in OpenCode.
    api: { id: str(m.id) || modelID, url: "", npm: provider.npm },
    name: str(m.name) || modelID,
    family: str(m.family),
    capabilities: {
      temperature: bool(m.temperature, false),
      reasoning: bool(m.reasoning, false),
      attachment: bool(m.attachment, input.image || input.pdf),
      toolcall: bool(m.tool_call, true),
      input,
      output: modalities(modality.output, ["text"]),
      interleaved: m.interleaved === undefined ? false : (m.interleaved as boolean),
    },
    cost: {
      input: num(cost.input),
      output: num(cost.output),
      cache: { read: num(cost.cache_read ?? cache.read), write: num(cost.cache_write ?? cache.write) },
    },
    limit: { context: num(limit.context), output: num(limit.output) },
    status: str(m.status) || "active",
    options: record(m.options),
    headers: record<string>(m.headers),
    release_date: str(m.release_date),
    variants: record(m.variants),
  };
}
