import { Text, useInput } from "ink";
import { useEffect, useState } from "react";
import type { MoorClient } from "../client/index.js";
import type { TrustState } from "../protocol/trust.js";

/**
 * Shown when the server's project directory is not trusted and its config was held back; Ctrl+T trusts it (the
 * server reloads its config at once). A server without /trust (OpenCode) shows nothing.
 */
export function TrustBanner({ client }: { client: MoorClient }) {
  const [state, setState] = useState<TrustState | undefined>();
  const [message, setMessage] = useState<{ text: string; color: string } | undefined>();
  useEffect(() => {
    void client
      .trustState()
      .then(setState)
      .catch(() => {});
  }, [client]);
  const untrusted = state !== undefined && !state.trusted && state.heldBack.length > 0;
  useInput((input, key) => {
    if (!untrusted || !key.ctrl || input !== "t") return;
    void client
      .trust()
      .then((next) => {
        setState(next);
        setMessage({ text: `trusted ${next.directory}: its config applies now`, color: "green" });
      })
      .catch((error: Error) => setMessage({ text: `could not trust: ${error.message}`, color: "red" }));
  });
  if (message) return <Text color={message.color}>{message.text}</Text>;
  if (!untrusted) return null;
  const keys = [...new Set(state.heldBack.map((item) => item.key))].join(", ");
  return (
    <Text color="yellow">
      ⚠ {state.directory} is not trusted: its config's {keys} held back. Ctrl+T trusts it.
    </Text>
  );
}
