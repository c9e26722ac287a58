// How the project's instructions reach the model: a prepareStep hook adds them after the system prompt, and an
// afterTool hook brings in the AGENTS.md of a subdirectory the `read` tool opened a file in, once per session,
// appended to that read's output (OpenCode's way: the model reads it next to the file it concerns).
import { dirname, isAbsolute, join, resolve, sep } from "node:path";
import { readRegularFile } from "../files/read-regular.js";
import type { AfterToolHook, PrepareStepHook, StepPlan } from "../turn/hooks.js";
import {
  type InstructionSource,
  MAX_INSTRUCTION_BYTES,
  PROJECT_FILES,
  type ProjectInstructions,
} from "./instructions.js";

/** The instructions after the plan's system prompt; synchronous when the directory's load is kept and fresh. */
export function addInstructions(instructions: ProjectInstructions): PrepareStepHook {
  return (plan, { request }) => {
    const sources = instructions.current(request.session.directory);
    if (sources instanceof Promise) return sources.then((loaded) => withInstructions(plan, loaded));
    return withInstructions(plan, sources);
  };
}

function withInstructions(plan: StepPlan, sources: readonly InstructionSource[]): StepPlan | undefined {
  if (sources.length === 0) return undefined;
  const blocks = sources.map((source) => instructionBlock(source.origin, source.text));
  return { ...plan, system: [plan.system, ...blocks].join("\n\n") };
}

export function instructionBlock(origin: string, text: string): string {
  return `Instructions from: ${origin}\n${text.trim()}`;
}

/**
 * After a `read` of a file below the session's directory: the first of AGENTS.md / CLAUDE.md / CONTEXT.md of each
 * directory between the file and the session's directory (nearest first) that the prompt does not already hold
 * and this session was not yet given. What a session was given is kept in memory: after a restart a session may
 * be given a file once more.
 */
export function nestedInstructionsOnRead(instructions: ProjectInstructions): AfterToolHook {
  const given = new Map<string, Set<string>>();
  return async (call, result, { session }) => {
    if (call.tool !== "read" || typeof call.input.filePath !== "string") return undefined;
    const root = resolve(session.directory);
    const file = isAbsolute(call.input.filePath) ? call.input.filePath : resolve(root, call.input.filePath);
    if (!file.startsWith(root + sep)) return undefined;
    const inPrompt = instructions.loadedFiles(root);
    const seen = given.get(session.id) ?? new Set<string>();
    const blocks: string[] = [];
    for (let dir = dirname(file); dir !== root && dir.startsWith(root + sep); dir = dirname(dir)) {
      for (const name of PROJECT_FILES) {
        const path = join(dir, name);
        const text = (await readRegularFile(path, MAX_INSTRUCTION_BYTES, { followLinks: true }))?.toString("utf8");
        if (text === undefined) continue;
        if (!inPrompt.has(path) && !seen.has(path) && text.trim() !== "") {
          given.set(session.id, seen);
          seen.add(path);
          blocks.push(instructionBlock(path, text));
        }
        break;
      }
    }
    if (blocks.length === 0) return undefined;
    return { ...result, output: `${result.output}\n\n<system-reminder>\n${blocks.join("\n\n")}\n</system-reminder>` };
  };
}
