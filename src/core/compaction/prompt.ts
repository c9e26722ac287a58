// What the hidden `compaction` agent is told: write a summary another model can continue the work from.

export const COMPACTION_AGENT = "compaction";

export const COMPACTION_SYSTEM = [
  "You are a helpful AI assistant tasked with summarizing conversations between a user and a coding agent.",
  "The summary replaces the conversation: the agent will continue the work from it alone, so keep every fact it",
  "needs (file paths, names, decisions, errors and their fixes) and drop what it does not. Do not call tools.",
].join("\n");

export const COMPACTION_REQUEST = [
  "Summarize the conversation above so the work can continue from the summary alone. Use these sections:",
  "## Goal — what the user wants, in their words where it matters.",
  "## Instructions — what the user asked for or forbade (style, tools, constraints); keep them all.",
  "## Discoveries — what was learned about the project, the code and the problem.",
  "## Done — what was completed, with the files changed.",
  "## Relevant files — paths and why each matters.",
  "## Next steps — what remains, starting with what was in progress.",
].join("\n");

/** Put before the history when the oldest part had to be left out of the summary request (it did not fit). */
export const HISTORY_OMITTED = "[The earliest part of this conversation is omitted: it did not fit.]";
