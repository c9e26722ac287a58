// What a child session's turn may not do, and the task tool as a session's directory describes it: a session at the
// depth limit has no task tool, a child has no todo tools (the todo list is the parent's), and a child's turn stops
// at the subagent step limit. Offered tools are filtered in prepareStep; beforeTool refuses a call to one anyway
// (a model may call a tool it was not offered).
import type { Store } from "../../storage/port.js";
import type { AgentRegistry } from "../agents/registry.js";
import type { ToolDefinition } from "../tools/tool.js";
import type { AfterStepHook, BeforeToolHook, PrepareStepHook } from "../turn/hooks.js";
import type { TurnRequest } from "../turn/types.js";
import { depthOf, type SubagentSettings, subagentLimits } from "./limits.js";

/** The tools that stay with the root session. */
const PARENT_ONLY = new Set(["todowrite", "todoread"]);

export interface SubagentHookOptions {
  store: Store;
  agents(directory?: string): AgentRegistry;
  settings(directory: string): SubagentSettings | undefined;
  /** The task tool as the registry holds it. */
  task: ToolDefinition;
  /** The task tool described for a directory's agents. */
  describedFor(agents: AgentRegistry): ToolDefinition;
}

export interface SubagentHooks {
  prepareStep: PrepareStepHook;
  beforeTool: BeforeToolHook;
  afterStep: AfterStepHook;
}

export function subagentHooks(options: SubagentHookOptions): SubagentHooks {
  const described = new WeakMap<AgentRegistry, ToolDefinition>();
  const describedFor = (agents: AgentRegistry) => {
    let definition = described.get(agents);
    if (!definition) {
      const fresh = options.describedFor(agents);
      // The registry's own definition when the text is the same, so its cached JSON schema is reused.
      definition = fresh.description === options.task.description ? options.task : fresh;
      described.set(agents, definition);
    }
    return definition;
  };
  const maxDepth = (request: TurnRequest) => subagentLimits(options.settings(request.session.directory)).depth;
  const withDepth = <T>(request: TurnRequest, then: (depth: number) => T): T | Promise<T> => {
    const depth = depthOf(options.store, request.session);
    return typeof depth === "number" ? then(depth) : depth.then(then);
  };
  return {
    prepareStep: (plan, { request }) =>
      withDepth(request, (depth) => {
        const noTask = depth >= maxDepth(request);
        const task = noTask ? undefined : describedFor(options.agents(request.session.directory));
        if (depth === 0 && !noTask && task === options.task) return undefined;
        const tools = plan.tools.flatMap((tool) => {
          if (tool.name === "task" && tool === options.task) return task ? [task] : [];
          return depth > 0 && PARENT_ONLY.has(tool.name) ? [] : [tool];
        });
        return { ...plan, tools };
      }),
    beforeTool: (call, request) => {
      if (call.tool !== "task" && !PARENT_ONLY.has(call.tool)) return undefined;
      return withDepth(request, (depth) => {
        if (call.tool === "task" && depth >= maxDepth(request)) {
          return {
            deny: `Subagent depth limit reached (${maxDepth(request)}): this session cannot start subagents. Do the work yourself.`,
          };
        }
        if (depth > 0 && PARENT_ONLY.has(call.tool)) {
          return { deny: `The ${call.tool} tool is not available to subagents: the todo list belongs to the parent.` };
        }
        return undefined;
      });
    },
    afterStep: (report, decision, request) =>
      decision.action === "continue" &&
      request.session.parentID !== undefined &&
      report.step >= subagentLimits(options.settings(request.session.directory)).steps
        ? { action: "stop", finish: "max-steps" }
        : undefined,
  };
}
