/** @jsxImportSource preact */
// Hook runs in the transcript (issue 19 §3): one folded line each, unfolding to the run's error and output.

import { hookRunDetail, hookRunFailed, hookRunLine, type ShownHookRun } from "../client/hook-runs.js";

export function HookRuns({ runs }: { runs: ShownHookRun[] }) {
  if (runs.length === 0) return null;
  return (
    <div class="hook-runs">
      {runs.map(({ key, run }) => {
        const detail = hookRunDetail(run);
        const line = <span class="hook-line">⚙ {hookRunLine(run)}</span>;
        return (
          <details key={key} class={`hook-run ${hookRunFailed(run) ? "failed" : ""}`}>
            <summary>{line}</summary>
            {detail ? <pre>{detail}</pre> : <pre class="empty">(no output)</pre>}
          </details>
        );
      })}
    </div>
  );
}
