/** @jsxImportSource preact */
// Shown when the server's project directory is not trusted and its own config was held back: what was held back,
// and a button that trusts the directory (the server applies its config at once). Nothing on a server without
// /trust (OpenCode).
import { useEffect, useState } from "preact/hooks";
import type { MoorClient } from "../client/index.js";
import type { TrustState } from "../protocol/trust.js";

export function TrustBanner({ client }: { client: MoorClient }) {
  const [state, setState] = useState<TrustState>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    client
      .trustState()
      .then(setState)
      .catch(() => undefined);
  }, [client]);
  if (!state || state.trusted || state.heldBack.length === 0) return null;
  const trust = async () => {
    setBusy(true);
    try {
      setState(await client.trust());
      setError(undefined);
    } catch (failure) {
      setError((failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="trust-banner" role="alert" data-trust="untrusted">
      <div class="trust-text">
        <strong>{state.directory}</strong> is not trusted, so parts of its own config were held back:
        <ul>
          {state.heldBack.map((item) => (
            <li key={`${item.file}:${item.key}`}>
              <code>{item.key}</code> — {item.reason}
            </li>
          ))}
        </ul>
        {error && <span class="error-line">{error}</span>}
      </div>
      <button type="button" disabled={busy} onClick={() => void trust()}>
        Trust this directory
      </button>
    </section>
  );
}
