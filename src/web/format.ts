// Small display helpers shared by the views.
import type { TokenUsage } from "../protocol/index.js";

export function relativeTime(time: number, now = Date.now()): string {
  const seconds = Math.round((now - time) / 1000);
  if (seconds < 45) return "just now";
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 24) return `${hours} h ago`;
  return new Date(time).toLocaleDateString();
}

export function compactNumber(value: number): string {
  if (value < 1000) return String(value);
  if (value < 1_000_000) return `${(value / 1000).toFixed(value < 10_000 ? 1 : 0)}k`;
  return `${(value / 1_000_000).toFixed(1)}M`;
}

export function formatCost(cost: number): string {
  return `$${cost < 0.01 && cost > 0 ? cost.toFixed(4) : cost.toFixed(2)}`;
}

export function tokenSummary(tokens: TokenUsage): string {
  const parts = [`in ${compactNumber(tokens.input)}`, `out ${compactNumber(tokens.output)}`];
  if (tokens.reasoning) parts.push(`reasoning ${compactNumber(tokens.reasoning)}`);
  if (tokens.cache.read || tokens.cache.write) {
    parts.push(`cache ${compactNumber(tokens.cache.read)}/${compactNumber(tokens.cache.write)}`);
  }
  return parts.join(" · ");
}

/** The last path segment, for a compact directory label. */
export function shortDirectory(directory: string): string {
  const trimmed = directory.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1) || directory;
}

/** A duration as a person reads it: 0.4s, 12s, 3m 05s, 1h 02m. */
export function formatElapsed(ms: number): string {
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}
