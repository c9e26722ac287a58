/** @jsxImportSource preact */
// What the session is doing while a turn runs: a spinner with the time elapsed since the turn started, and
// "waiting for your answer" instead of "working" while one of its permission questions is open.
import { useEffect, useState } from "preact/hooks";
import { formatElapsed } from "./format.js";

export function WorkingLine({ since, waiting }: { since: number; waiting: boolean }) {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <div class={`working ${waiting ? "waiting" : ""}`} role="status">
      <span class="spinner" aria-hidden="true" />
      <span class="working-label">{waiting ? "waiting for your answer" : "working"}</span>
      <span class="elapsed">{formatElapsed(Math.max(0, now - since))}</span>
    </div>
  );
}
