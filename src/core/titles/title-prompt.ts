// What the title model is asked. The instructions follow OpenCode's title agent (one line, at most 50 characters,
// the user's language, no answer to the question itself); the request carries no tools and no history beyond the
// first prompt, so it costs little and can never act.
import type { LanguageModelV3Prompt } from "@ai-sdk/provider";

/** The longest title kept; a longer answer is cut (OpenCode's title agent is told the same limit). */
export const TITLE_MAX_LENGTH = 50;

/** How much of the first prompt the title model is shown: enough to name it, not a whole pasted file. */
const PROMPT_TEXT_LIMIT = 4000;

// The first words stay as they are: the scripted fake model of the tests (and OpenCode's own title requests)
// is recognised by them (test/fakes/llm-server.ts).
export const TITLE_SYSTEM_PROMPT = [
  "You are a title generator. Reply with a title for the conversation and nothing else.",
  "",
  "The title helps the user find this conversation again later. It is:",
  `- one line of at most ${TITLE_MAX_LENGTH} characters, with no quotes and no explanation;`,
  "- in the same language as the user's message, grammatical and natural;",
  "- about what the user wants done: keep technical terms, numbers, file names and error codes exactly;",
  "- never an answer to the message, never a refusal, never about tools or about writing a title.",
  "For a greeting or a very short message, name its intent (for example: Greeting, Quick check-in).",
].join("\n");

export function titlePrompt(firstPrompt: string): LanguageModelV3Prompt {
  const text = firstPrompt.length > PROMPT_TEXT_LIMIT ? `${firstPrompt.slice(0, PROMPT_TEXT_LIMIT)}…` : firstPrompt;
  return [
    { role: "system", content: TITLE_SYSTEM_PROMPT },
    {
      role: "user",
      content: [
        { type: "text", text: "Generate a title for this conversation:" },
        { type: "text", text },
      ],
    },
  ];
}
