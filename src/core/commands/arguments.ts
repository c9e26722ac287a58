// A command's arguments in its template, as OpenCode fills them: `$1`, `$2`… take the words (quotes group words and
// are removed), the highest-numbered placeholder takes the rest of the words, `$ARGUMENTS` takes the whole line, and
// a template with no placeholder gets the arguments appended as a paragraph.

const WORDS = /"[^"]*"|'[^']*'|[^\s"']+/g;
const NUMBERED = /\$(\d+)/g;

export function splitArguments(line: string): string[] {
  return (line.match(WORDS) ?? []).map((word) => word.replace(/^["']|["']$/g, ""));
}

export function fillArguments(template: string, line: string): string {
  const words = splitArguments(line);
  const numbers = [...template.matchAll(NUMBERED)].map((match) => Number(match[1]));
  const last = Math.max(0, ...numbers);
  // One pass over the template: argument text is never scanned again for placeholders.
  const filled = template.replace(/\$ARGUMENTS|\$(\d+)/g, (_match, digits: string | undefined) => {
    if (digits === undefined) return line;
    const index = Number(digits) - 1;
    if (index >= words.length) return "";
    return Number(digits) === last ? words.slice(index).join(" ") : words[index];
  });
  if (numbers.length === 0 && !template.includes("$ARGUMENTS") && line.trim()) return `${filled}\n\n${line}`;
  return filled;
}
