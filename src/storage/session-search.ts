// How a session list's `search` reads (Store.listSessions): every word must be in the title, case ignored; only
// the first few words count. Shared by both stores so a search lists the same sessions on either.

/** How many words of a search count; the rest are ignored (a title search of more is rare). */
export const SEARCH_WORDS = 6;

/** The lowercased words a title must contain, at most SEARCH_WORDS of them; none for a blank search. */
export function titleSearchWords(search: string | undefined): string[] {
  return (search ?? "").toLowerCase().split(/\s+/).filter(Boolean).slice(0, SEARCH_WORDS);
}
