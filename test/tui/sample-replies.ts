// Replies the terminal UI tests (and the OpenCode side-by-side capture) script the fake model with.

/** Every markdown block kind a reply commonly has: heading, emphasis, link, nested list, quote, table, code. */
export const MARKDOWN_REPLY = [
  "## Plan",
  "",
  "This is **important** and *subtle*; see [the docs](https://example.com/docs).",
  "",
  "- first step",
  "  - a nested detail",
  "- second step",
  "",
  "> A quoted remark.",
  "",
  "| Tool | Calls |",
  "|------|------:|",
  "| read | 3 |",
  "| edit | 12 |",
  "",
  "```ts",
  'const greeting: string = "hello";',
  "```",
].join("\n");
