// The paged session list both screens share: pages join without repeats, and events move sessions to the top
// without pulling in ones the user has not scrolled to or that a search leaves out.
import { describe, expect, it } from "vitest";
import {
  addPage,
  emptySessions,
  hasMore,
  removeSession,
  titleMatches,
  upsertSession,
} from "../../src/client/session-pages.js";
import type { Session } from "../../src/protocol/index.js";

const session = (id: string, updated: number, title = id): Session => ({
  id,
  slug: id,
  projectID: "global",
  directory: "/p",
  title,
  version: "1",
  time: { created: 1, updated },
});

describe("a paged session list", () => {
  it("adds pages in order without repeats and knows when the last has come", () => {
    let list = emptySessions();
    expect(hasMore(list)).toBe(true);
    list = addPage(list, { sessions: [session("c", 3), session("b", 2)], cursor: "next" });
    expect(hasMore(list)).toBe(true);
    list = addPage(list, { sessions: [session("b", 2), session("a", 1)] });
    expect(list.sessions.map((s) => s.id)).toEqual(["c", "b", "a"]);
    expect(hasMore(list)).toBe(false);
  });

  it("moves a changed session to the top, leaves out one not scrolled to yet, and keeps a search's rule", () => {
    let list = addPage(emptySessions(), { sessions: [session("d", 40), session("c", 30)], cursor: "next" });
    list = upsertSession(list, session("c", 50));
    expect(list.sessions.map((s) => s.id)).toEqual(["c", "d"]);
    // Older than everything shown while more pages follow: its page will bring it.
    expect(upsertSession(list, session("a", 10)).sessions.map((s) => s.id)).toEqual(["c", "d"]);
    expect(upsertSession(list, session("e", 60)).sessions.map((s) => s.id)).toEqual(["e", "c", "d"]);
    expect(removeSession(list, "c").sessions.map((s) => s.id)).toEqual(["d"]);

    let found = addPage(emptySessions("login"), { sessions: [session("x", 5, "Login bug")] });
    found = upsertSession(found, session("y", 6, "docs"));
    expect(found.sessions.map((s) => s.id)).toEqual(["x"]);
    // Renamed so that it no longer matches: it leaves the results.
    found = upsertSession(found, session("x", 7, "bug"));
    expect(found.sessions).toEqual([]);
    expect(titleMatches("Refactor the Parser", "parser REFACTOR")).toBe(true);
    expect(titleMatches("Refactor the Parser", "lexer")).toBe(false);
  });
});
