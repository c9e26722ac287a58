// Prompts sent while the session is busy. The server would queue them too (core/session.ts stores a prompt at once
// and runs its turn after the current one), but a stored prompt cannot be taken back; so the page holds them,
// shows them tagged "queued" with a Cancel button, and sends the next one each time the session goes idle. Leaving
// the session sends what is still held, so nothing typed is lost (it then queues on the server).
import { useEffect, useRef, useState } from "preact/hooks";

export interface HeldPrompt {
  id: number;
  text: string;
  /** The agent and model chosen when it was typed. */
  agent: string;
  model: string;
}

export type Submit = (prompt: Omit<HeldPrompt, "id">) => Promise<void>;

export function useHeldPrompts(busy: boolean, submit: Submit) {
  const [held, setHeld] = useState<HeldPrompt[]>([]);
  const sending = useRef(false);
  const next = useRef(1);
  const latest = useRef({ held, submit });
  latest.current = { held, submit };

  useEffect(() => {
    if (busy || sending.current || held.length === 0) return;
    const [first, ...rest] = held;
    sending.current = true;
    setHeld(rest);
    // A failure is reported by submit; the prompt is not retried in a loop.
    submit(first)
      .catch(() => undefined)
      .finally(() => {
        sending.current = false;
      });
  }, [busy, held, submit]);

  useEffect(
    () => () => {
      const { held: remaining, submit: send } = latest.current;
      // One after the other, so the server stores them in the order they were typed.
      void remaining.reduce(
        (previous, prompt) => previous.then(() => send(prompt).catch(() => undefined)),
        Promise.resolve(),
      );
    },
    [],
  );

  return {
    held,
    hold(prompt: Omit<HeldPrompt, "id">) {
      const id = next.current++;
      setHeld((list) => [...list, { ...prompt, id }]);
    },
    cancel(id: number) {
      setHeld((list) => list.filter((prompt) => prompt.id !== id));
    },
  };
}
