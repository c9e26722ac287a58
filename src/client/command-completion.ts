// Completing `/` in a prompt box (the TUI and the web page share it): the commands whose name starts with what is
// typed after the slash, while no argument has been typed yet.

export interface SlashEntry {
  name: string;
  description?: string;
}

/** The entries a typed `/prefix` could complete to, or none when the text is not a command being named. */
export function slashMatches<T extends SlashEntry>(text: string, entries: readonly T[]): T[] {
  const match = /^\/(\S*)$/.exec(text);
  if (!match) return [];
  return entries.filter((entry) => entry.name.startsWith(match[1]));
}

/** The text once the first match is taken: `/name ` (a space, ready for arguments), or the text unchanged. */
export function completeSlash(text: string, entries: readonly SlashEntry[]): string {
  const [first] = slashMatches(text, entries);
  return first ? `/${first.name} ` : text;
}
