/** @jsxImportSource preact */
// The prompt box: Enter sends, Shift+Enter is a newline; the agent picker (the server's primary agents, from
// GET /agent), the model picker (from /config/providers) and the abort button sit beside it. Turns queue on the
// server, so sending while busy is allowed. Typing `/` lists the slash commands (GET /command); Tab or a click takes
// one.
import { useState } from "preact/hooks";
import { completeSlash, type ProviderList, type SlashEntry, slashMatches } from "../client/index.js";
import type { Agent } from "../protocol/index.js";

interface Props {
  busy: boolean;
  providers?: ProviderList;
  model: string;
  onModel(model: string): void;
  /** The primary agents to pick from; empty until known (then the prompt runs the server's default agent). */
  agents: Agent[];
  agent: string;
  onAgent(agent: string): void;
  onSend(text: string): Promise<void>;
  onAbort(): void;
  /** What `/` completes to. */
  commands: SlashEntry[];
}

export function PromptBox(props: Props) {
  const { busy, providers, model, onModel, agents, agent, onAgent, onSend, onAbort, commands } = props;
  const [text, setText] = useState("");
  const matches = slashMatches(text, commands).slice(0, 8);
  const [sending, setSending] = useState(false);
  const send = async () => {
    const prompt = text.trim();
    if (!prompt || sending) return;
    setSending(true);
    try {
      await onSend(prompt);
      setText("");
    } finally {
      setSending(false);
    }
  };
  return (
    <form
      class="prompt-box"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      <textarea
        rows={2}
        placeholder="Ask moor… (Enter to send, Shift+Enter for a newline)"
        aria-label="Prompt"
        value={text}
        onInput={(event) => setText(event.currentTarget.value)}
        onKeyDown={(event) => {
          if (event.key === "Tab" && matches.length > 0) {
            event.preventDefault();
            setText(completeSlash(text, commands));
            return;
          }
          if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            void send();
          }
        }}
      />
      {matches.length > 0 && (
        <ul class="command-list" aria-label="Commands">
          {matches.map((entry) => (
            <li key={entry.name}>
              <button type="button" class="command-option" onClick={() => setText(`/${entry.name} `)}>
                <span class="command-name">/{entry.name}</span>
                {entry.description && <span class="command-description">{entry.description}</span>}
              </button>
            </li>
          ))}
        </ul>
      )}
      <div class="prompt-actions">
        <select
          class="model-picker agent-picker"
          aria-label="Agent"
          title={agents.find((entry) => entry.name === agent)?.description ?? "The agent for the next prompt"}
          value={agent}
          onChange={(event) => onAgent(event.currentTarget.value)}
        >
          {agents.length === 0 && <option value="">Default agent</option>}
          {agents.map((entry) => (
            <option key={entry.name} value={entry.name}>
              {entry.name.charAt(0).toUpperCase() + entry.name.slice(1)}
            </option>
          ))}
        </select>
        <select
          class="model-picker"
          aria-label="Model"
          value={model}
          onChange={(event) => onModel(event.currentTarget.value)}
        >
          <option value="">Default model</option>
          {providers?.providers.map((provider) => (
            <optgroup key={provider.id} label={provider.name}>
              {Object.values(provider.models).map((entry) => (
                <option key={entry.id} value={`${provider.id}/${entry.id}`}>
                  {entry.name || entry.id}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <span class="spacer" />
        {busy && (
          <button type="button" class="danger abort" onClick={onAbort}>
            Abort
          </button>
        )}
        <button type="submit" class="primary send" disabled={sending || !text.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}
