// A model's answer → a session title, or undefined when nothing usable is left (the fallback title stays then).
import { TITLE_MAX_LENGTH } from "./title-prompt.js";

const WRAPPERS = /^["'`*_“”‘’«»]+|["'`*_“”‘’«»]+$/g;

export function cleanTitle(answer: string): string | undefined {
  const withoutThinking = answer
    .replace(/<think(?:ing)?>[\s\S]*?<\/think(?:ing)?>/gi, "")
    // A reasoning block the answer never closed holds no title.
    .replace(/<think(?:ing)?>[\s\S]*$/i, "");
  for (const raw of withoutThinking.split("\n")) {
    const line = raw
      .trim()
      .replace(/^#+\s*/, "")
      .replace(/^title\s*:\s*/i, "")
      .replace(WRAPPERS, "")
      .replace(/\s+/g, " ")
      .trim();
    if (line) return shorten(line);
  }
  return undefined;
}

function shorten(title: string): string {
  if (title.length <= TITLE_MAX_LENGTH) return title;
  const cut = title.slice(0, TITLE_MAX_LENGTH - 1);
  // At a word boundary when there is one not too far back, so the title does not end in half a word.
  const space = cut.lastIndexOf(" ");
  return `${(space > TITLE_MAX_LENGTH / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
