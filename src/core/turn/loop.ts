// The agent loop (DESIGN.md §5.1: the model is a parameter). One turn answers one user message: each step's plan
// comes from the prepareStep hooks, the step streams and runs its tool calls, and the afterStep hooks say whether
// another step follows. What features add plugs into the hooks (turn/hooks.ts); the loop itself rarely changes.
import type { MessageWithParts, ToolPart } from "../../protocol/index.js";
import { StepRecorder } from "../step-recorder.js";
import { abortedError } from "./errors.js";
import { type AfterStepHook, runHooks, type StepDecision, type StepPlan, type StepReport } from "./hooks.js";
import { runStep } from "./step.js";
import { runToolCall } from "./tool-call.js";
import { enabledTools } from "./tool-switches.js";
import { INTERRUPTED_MARK, type TurnOutcome, type TurnRequest, type TurnServices } from "./types.js";
import { mapFinish } from "./usage.js";

/** Where the prepareStep hooks start from: the default hook (turn/prepare.ts) fills it. */
const EMPTY_PLAN: StepPlan = { system: "", messages: [], tools: [] };

export async function runTurn(
  services: TurnServices,
  request: TurnRequest,
  resume?: MessageWithParts,
): Promise<TurnOutcome> {
  const { hooks } = services;
  let last: MessageWithParts | undefined;
  if (resume) {
    const outcome = await rerunInterruptedTools(services, request, resume);
    if (outcome) return outcome;
  }
  const overflowHooks = hooks.overflow ?? [];
  for (let step = 1, rerun = false; ; step++) {
    const tools = services.tools.forAgent(request.agent, request.session.id);
    const context = { request, step, tools };
    const plan = await runHooks(hooks.prepareStep, EMPTY_PLAN, (hook, current) => hook(current, context));
    const deferOverflow = !rerun && overflowHooks.length > 0;
    const result = await runStep(services, request, plan, tools, deferOverflow);
    last = result.message;
    if (result.outcome?.error?.name === "ContextOverflowError" && deferOverflow) {
      // Too long for the model: a hook (compaction) may make room, and the same step runs again, once.
      const recovered = await runHooks(overflowHooks, false, (hook) => hook(context), Boolean);
      if (recovered) {
        await clearHandledError(services, request, result.message);
        step--;
        rerun = true;
        continue;
      }
      const { session } = request;
      services.bus.publish(
        "session.error",
        { sessionID: session.id, error: result.outcome.error },
        { directory: session.directory, sessionID: session.id },
      );
    }
    rerun = false;
    if (result.outcome) return { ...result.outcome, last };
    const report: StepReport = {
      step,
      message: result.message,
      finishReason: result.finishReason,
      toolCalls: result.toolCalls,
    };
    const initial: StepDecision = { action: "stop", finish: mapFinish(result.finishReason) };
    let decision: StepDecision;
    try {
      decision = await runHooks<AfterStepHook, StepDecision>(hooks.afterStep, initial, (hook, current) =>
        hook(report, current, request),
      );
    } catch (error) {
      // The step's write failing is the first thing to tell.
      await result.written;
      throw error;
    }
    if (decision.action === "stop") return { finish: decision.finish, last, written: result.written };
    await result.written;
  }
}

/**
 * The refused step's error was handled (compaction made room and the step runs again): its message no longer says it
 * failed, so no client shows a failure for a turn that goes on (the compaction mark says what happened).
 */
async function clearHandledError(services: TurnServices, request: TurnRequest, message: MessageWithParts) {
  const { session } = request;
  const info = { ...message.info, error: undefined };
  await services.store.commit({ directory: session.directory, sessionID: session.id }, (tx) => {
    tx.putMessage(info);
    tx.emit("message.updated", { sessionID: session.id, info });
  });
}

/** Runs again the tool calls a crash left unfinished, in their own parts, so completed calls are not repeated. */
async function rerunInterruptedTools(
  services: TurnServices,
  request: TurnRequest,
  message: MessageWithParts,
): Promise<TurnOutcome | undefined> {
  if (message.info.role !== "assistant") return undefined;
  const { session } = request;
  const recorder = new StepRecorder(
    services.store,
    { directory: session.directory, sessionID: session.id },
    { ...message.info, error: undefined },
    services.now,
  );
  recorder.open();
  const interrupted = message.parts.filter(
    (part): part is ToolPart =>
      part.type === "tool" && part.state.status === "error" && part.state.metadata?.[INTERRUPTED_MARK] === true,
  );
  const tools = services.tools.forAgent(request.agent, request.session.id);
  const enabled = enabledTools(services.agentsIn(request.session.directory), request);
  const offered = enabled ? tools.definitions.filter((tool) => enabled(tool.name)) : tools.definitions;
  const scope = { services, request, recorder, tools, offered };
  await Promise.all(interrupted.map((part) => runToolCall(scope, part, part.state.input)));
  await recorder.close({
    time: { created: message.info.time.created, completed: services.now() },
    finish: "tool-calls",
  });
  if (request.signal.aborted) {
    return {
      finish: "aborted",
      error: abortedError(),
      last: { info: recorder.info, parts: await services.store.listParts(message.info.id) },
    };
  }
  return undefined;
}
