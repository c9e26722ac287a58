// Compaction as turn hooks (DESIGN.md §1): before each step, when the request would fill the model's window (the
// last step's reported usage, or an estimate before the first reply), old tool outputs are pruned and, when that is
// not enough, the hidden compaction agent writes a summary; the step then runs on the smaller history, so the turn
// that triggered it goes on by itself. A step the provider refused as too long is compacted and run again.
// At most one automatic compaction per step: a step that still does not fit fails plainly, it never loops.
import type { LanguageModelV3Prompt } from "@ai-sdk/provider";
import type { MessageWithParts, Session } from "../../protocol/index.js";
import type { Store } from "../../storage/port.js";
import { conversationFor, isSummary, toModelPrompt } from "../history.js";
import type { OverflowHook, PrepareStepHook, StepPlan } from "../turn/hooks.js";
import type { ResolvedModel, TurnRequest } from "../turn/types.js";
import { type CompactionSettings, usableTokens } from "./budget.js";
import { estimateRequest } from "./estimate.js";
import { modelHistory } from "./model-history.js";
import { markPruned, prunable, pruneBudget } from "./prune.js";
import { writeSummary } from "./summarize.js";

export interface CompactionOptions {
  store: Store;
  now: () => number;
  /** Config `compaction` for sessions in `directory`, read at each step (it follows config reloads). */
  settings(directory: string): CompactionSettings;
  /** Told when an automatic compaction failed (the step then runs as it is). */
  onError?(error: unknown, session: Session): void;
}

export interface Compaction {
  prepareStep: PrepareStepHook;
  overflow: OverflowHook;
  /** A summary now (POST /session/:id/summarize): `userID` is the newest prompt. */
  summarize(input: {
    session: Session;
    model: ResolvedModel;
    userID: string;
    signal: AbortSignal;
  }): Promise<MessageWithParts>;
}

export function createCompaction(options: CompactionOptions): Compaction {
  // The step of each running turn that has compacted already: never twice in one step.
  const compactedAt = new WeakMap<TurnRequest, number>();
  const { store } = options;

  const messagesFor = async (request: TurnRequest): Promise<LanguageModelV3Prompt> =>
    toModelPrompt(conversationFor(await modelHistory(store, request.session.id), request.user.id));

  const summarize = (request: TurnRequest, usable: number | undefined) =>
    writeSummary({
      store,
      now: options.now,
      session: request.session,
      model: request.model,
      userID: request.user.id,
      signal: request.signal,
      usable,
    });

  const prepareStep: PrepareStepHook = async (plan, { request, step }) => {
    const settings = options.settings(request.session.directory);
    if (settings.auto === false || compactedAt.get(request) === step) return undefined;
    const usable = usableTokens(request.model.limit, settings);
    if (usable === undefined) return undefined;
    const history = await store.history(request.session.id);
    const used = Math.max(reportedUsage(history), estimateRequest(plan.system, plan.messages, plan.tools));
    if (used < usable) return undefined;
    compactedAt.set(request, step);
    try {
      if (settings.prune !== false) {
        const { parts } = prunable(history, pruneBudget(usable));
        const scope = { directory: request.session.directory, sessionID: request.session.id };
        if (parts.length > 0 && (await markPruned(store, scope, parts, options.now())) > 0) {
          const pruned: StepPlan = { ...plan, messages: await messagesFor(request) };
          if (estimateRequest(pruned.system, pruned.messages, pruned.tools) < usable) return pruned;
        }
      }
      await summarize(request, usable);
      return { ...plan, messages: await messagesFor(request) };
    } catch (error) {
      if (request.signal.aborted) return undefined;
      options.onError?.(error, request.session);
      // The plan may be stale if pruning happened before the summary failed.
      return { ...plan, messages: await messagesFor(request) };
    }
  };

  const overflow: OverflowHook = async ({ request, step }) => {
    const settings = options.settings(request.session.directory);
    if (settings.auto === false || compactedAt.get(request) === step) return false;
    compactedAt.set(request, step);
    try {
      await summarize(request, usableTokens(request.model.limit, settings));
      return true;
    } catch (error) {
      if (!request.signal.aborted) options.onError?.(error, request.session);
      return false;
    }
  };

  return {
    prepareStep,
    overflow,
    summarize: (input) =>
      writeSummary({
        store,
        now: options.now,
        ...input,
        usable: usableTokens(input.model.limit, options.settings(input.session.directory)),
      }),
  };
}

/** The provider's count for the newest step since the latest summary (input and output): 0 before any reply. */
function reportedUsage(history: MessageWithParts[]): number {
  for (let index = history.length - 1; index >= 0; index--) {
    const { info } = history[index];
    if (info.role !== "assistant" || isSummary(history[index])) continue;
    if (info.tokens.total || info.tokens.input) return info.tokens.input + info.tokens.output;
  }
  return 0;
}
