// How much of the model's window a request may fill before compaction runs (config `compaction`, OpenCode's keys).

/** Config `compaction` (OpenCode's keys): all optional. */
export interface CompactionSettings {
  /** Compact automatically when the window fills or the provider says it overflowed (default true). */
  auto?: boolean;
  /** Prune old tool outputs before writing a summary (default true). */
  prune?: boolean;
  /** Tokens kept free for the reply and estimate errors (default: the output limit, at most 20,000, at most 1/4). */
  reserved?: number;
}

/** OpenCode's buffer: room left for the reply when the config does not say. */
const DEFAULT_RESERVE = 20_000;

/** The tokens a request may use before compaction: the window less the reserve; undefined without a known window. */
export function usableTokens(
  limit: { context?: number; output?: number } | undefined,
  settings: CompactionSettings,
): number | undefined {
  const context = limit?.context;
  if (!context || context <= 0) return undefined;
  const reserved =
    settings.reserved ?? Math.min(DEFAULT_RESERVE, limit?.output ?? DEFAULT_RESERVE, Math.floor(context / 4));
  return Math.max(1, context - reserved);
}
