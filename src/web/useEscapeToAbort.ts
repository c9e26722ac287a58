// Esc anywhere on the page aborts the open session's running turn (as in OpenCode's and Claude Code's screens),
// unless an element handled it first (the rename box closes on Esc) or nothing is running.
import { useEffect } from "preact/hooks";

export function useEscapeToAbort(busy: boolean, abort: () => void): void {
  useEffect(() => {
    if (!busy) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== "Escape" || event.defaultPrevented || event.isComposing) return;
      const target = event.target as HTMLElement | null;
      if (target?.closest?.(".rename-input")) return;
      event.preventDefault();
      abort();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [busy, abort]);
}
