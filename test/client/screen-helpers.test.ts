// What the screens derive from the view state for a person: which prompts wait in the server's queue, the token
// counts shown (not reset to 0 by an aborted reply), and the human title of a session the server named by time.
import { describe, expect, it } from "vitest";
import { queuedPromptIds } from "../../src/client/queued-prompts.js";
import { humanTitle } from "../../src/client/session-title.js";
import { shownTokens } from "../../src/client/shown-tokens.js";
import type { ViewMessage } from "../../src/client/view-model.js";
import type { TokenUsage } from "../../src/protocol/index.js";

const zero: TokenUsage = { total: 0, input: 0, output: 0, reasoning: 0, cache: { read: 0, write: 0 } };

function user(id: string): ViewMessage {
  return { info: { id, sessionID: "ses_p", role: "user", time: { created: 1 } } as ViewMessage["info"], parts: [] };
}

function reply(id: string, parentID: string, options: { done?: boolean; tokens?: Partial<TokenUsage> } = {}) {
  const info = {
    id,
    sessionID: "ses_p",
    role: "assistant" as const,
    time: options.done === false ? { created: 1 } : { created: 1, completed: 2 },
    parentID,
    modelID: "m",
    providerID: "p",
    mode: "build",
    agent: "build",
    path: { cwd: "/p", root: "/p" },
    cost: 0,
    tokens: { ...zero, ...options.tokens },
  };
  return { info, parts: [] } as ViewMessage;
}

describe("queued prompts", () => {
  it("are the unanswered prompts after the one being answered, only while busy", () => {
    const messages = [user("msg_1"), reply("msg_2", "msg_1"), user("msg_3"), reply("msg_4", "msg_3", { done: false })];
    const waiting = [...messages, user("msg_5"), user("msg_6")];
    expect([...queuedPromptIds(waiting, true)]).toEqual(["msg_5", "msg_6"]);
    expect([...queuedPromptIds(waiting, false)]).toEqual([]);
  });

  it("leave out the prompt whose turn is starting (no reply written yet)", () => {
    const messages = [user("msg_1"), reply("msg_2", "msg_1"), user("msg_3"), user("msg_4")];
    expect([...queuedPromptIds(messages, true)]).toEqual(["msg_4"]);
  });
});

describe("shown tokens", () => {
  it("keep the last reported usage when the latest reply was aborted before its usage came", () => {
    const messages = [
      user("msg_1"),
      reply("msg_2", "msg_1", { tokens: { input: 1234, output: 56 } }),
      user("msg_3"),
      reply("msg_4", "msg_3"),
    ];
    expect(shownTokens(messages)).toMatchObject({ input: 1234, output: 56 });
    expect(shownTokens([user("msg_1"), reply("msg_2", "msg_1")])).toBeUndefined();
  });
});

describe("human titles", () => {
  it("turn the server's time-stamped placeholder into words and leave real titles alone", () => {
    const title = humanTitle({ title: "New session - 2026-11-30T15:03:04.123Z" }, "en-US");
    expect(title).toMatch(/^New session · Nov 30, \d\d:\d\d/);
    expect(humanTitle({ title: "Fix the parser" })).toBe("Fix the parser");
    expect(humanTitle({ title: "  " })).toBe("Untitled");
  });
});
