// The tools a turn may use, gathered from sources: the built-in tools are one source, MCP servers will add others.
// Each agent sees a set of them (an agent may have only some tools). The JSON-schema list the model is sent is
// built once per registry version, never per step: converting zod schemas showed up in profiles.
import type { JSONSchema7, LanguageModelV3FunctionTool } from "@ai-sdk/provider";
import * as z from "zod";
import type { ToolDefinition } from "./tool.js";

/** A provider of tools. `version` must change whenever `list()` would answer differently. */
export interface ToolSource {
  readonly id: string;
  readonly version: number;
  /** When set, the tools are only for this session's turns (servers an ACP editor passed in `session/new`). */
  readonly session?: string;
  list(): readonly ToolDefinition[];
}

/** A source whose tools are given; `replace` swaps them (and bumps the version). */
export class StaticToolSource implements ToolSource {
  version = 0;
  private tools: readonly ToolDefinition[];

  constructor(
    readonly id: string,
    tools: readonly ToolDefinition[],
  ) {
    this.tools = tools;
  }

  list(): readonly ToolDefinition[] {
    return this.tools;
  }

  replace(tools: readonly ToolDefinition[]): void {
    this.tools = tools;
    this.version++;
  }
}

/** Which tools (by name) an agent may use; undefined for all of them. */
export type AgentToolFilter = (agent: string) => ((tool: string) => boolean) | undefined;

/** The tools one agent has, with their model-facing form. Stays the same object while the registry is unchanged. */
export interface ToolSet {
  readonly definitions: readonly ToolDefinition[];
  /** The definitions as the model sees them, in the same order. */
  readonly modelTools: readonly LanguageModelV3FunctionTool[];
  get(name: string): ToolDefinition | undefined;
}

export class ToolRegistry {
  private readonly sources: ToolSource[] = [];
  /** Bumped when sources are added or removed, or the agents' filter changes. */
  private own = 0;
  private cachedKey = "";
  private readonly sets = new Map<string, ToolSet>();

  constructor(
    sources: readonly ToolSource[] = [],
    private readonly agentFilter: AgentToolFilter = () => undefined,
  ) {
    this.sources.push(...sources);
  }

  add(source: ToolSource): void {
    if (this.sources.some((existing) => existing.id === source.id)) {
      throw new Error(`A tool source with id "${source.id}" is already registered.`);
    }
    this.sources.push(source);
    this.own++;
  }

  remove(id: string): void {
    const index = this.sources.findIndex((source) => source.id === id);
    if (index === -1) return;
    this.sources.splice(index, 1);
    this.own++;
  }

  /** For when what `agentFilter` answers changed (the agents were reloaded). */
  invalidate(): void {
    this.own++;
  }

  /** Changes whenever any source's tools (or the set of sources) change. */
  get version(): string {
    let key = String(this.own);
    for (const source of this.sources) key += `:${source.version}`;
    return key;
  }

  /**
   * The tools an agent has: every source's, in source order, the first of two tools of one name winning (the
   * built-in source comes first, so a server cannot shadow `bash`), less what the agent's filter leaves out.
   */
  forAgent(agent: string, sessionID?: string): ToolSet {
    const version = this.version;
    if (version !== this.cachedKey) {
      this.sets.clear();
      this.cachedKey = version;
    }
    // A session's own sources make its set differ from the agent's; other sessions share one set per agent.
    const own = sessionID !== undefined && this.sources.some((source) => source.session === sessionID);
    const key = own ? `${agent}\u0000${sessionID}` : agent;
    let set = this.sets.get(key);
    if (!set) {
      set = this.build(agent, own ? sessionID : undefined);
      this.sets.set(key, set);
    }
    return set;
  }

  private build(agent: string, sessionID: string | undefined): ToolSet {
    const allowed = this.agentFilter(agent);
    const byName = new Map<string, ToolDefinition>();
    for (const source of this.sources) {
      if (source.session !== undefined && source.session !== sessionID) continue;
      for (const definition of source.list()) {
        if (byName.has(definition.name)) continue;
        if (allowed && !allowed(definition.name)) continue;
        byName.set(definition.name, definition);
      }
    }
    const definitions = [...byName.values()];
    return { definitions, modelTools: definitions.map(modelTool), get: (name) => byName.get(name) };
  }
}

const converted = new WeakMap<ToolDefinition, LanguageModelV3FunctionTool>();

/** A tool as the model sees it, converted to JSON Schema once per definition. Inputs are validated with zod. */
export function modelTool(definition: ToolDefinition): LanguageModelV3FunctionTool {
  let tool = converted.get(definition);
  if (!tool) {
    tool = {
      type: "function",
      name: definition.name,
      description: definition.description,
      inputSchema: definition.inputSchema ?? (z.toJSONSchema(definition.parameters, { io: "input" }) as JSONSchema7),
    };
    converted.set(definition, tool);
  }
  return tool;
}

/** Allow and deny lists by agent, as a filter (until the agent registry carries them). */
export function agentToolLists(lists: Record<string, { allow?: string[]; deny?: string[] }>): AgentToolFilter {
  return (agent) => {
    const list = Object.hasOwn(lists, agent) ? lists[agent] : undefined;
    if (!list) return undefined;
    const { allow, deny } = list;
    return (tool) => (!allow || allow.includes(tool)) && !deny?.includes(tool);
  };
}
