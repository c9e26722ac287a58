// The read tool shows the model `<file>`, a `00001| ` gutter on each line and a footer (core/tools/read.ts); an
// editor shows the file's text, so the ACP tool content is the lines as they are in the file.

const GUTTER = /^\d{5,}\| /;

/** The file's lines without the wrapper, the gutter and the footer; other output (an error, say) as it is. */
export function plainReadOutput(output: string): string {
  const match = /^<file>\n([\s\S]*?)(?:\n\n\((?:File has more lines|End of file)[^\n]*\))?\n<\/file>$/.exec(output);
  if (!match) return output;
  const lines = match[1] === "" ? [] : match[1].split("\n");
  if (!lines.every((line) => GUTTER.test(line))) return output;
  return lines.map((line) => line.replace(GUTTER, "")).join("\n");
}
