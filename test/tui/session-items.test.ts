import { describe, expect, it } from "vitest";
import type { Session } from "../../src/protocol/index.js";
import { filterItems } from "../../src/tui/FilterPicker.js";
import { sessionItems, timeAgo } from "../../src/tui/session-items.js";

const NOW = 1_700_000_000_000;

function session(id: string, title: string, directory: string, updated: number): Session {
  return {
    id,
    slug: id,
    projectID: "p",
    directory,
    title,
    version: "1",
    time: { created: updated, updated },
  };
}

describe("session picker rows", () => {
  const sessions = [
    session("ses_a", "alpha refactor", "/work/api", NOW - 30_000),
    session("ses_b", "beta migration", "/work/db", NOW - 5 * 60_000),
    session("ses_c", "gamma docs", "/work/api", NOW - 3 * 86_400_000),
  ];
  const items = sessionItems(sessions, { ses_a: { type: "busy" } }, new Set(["ses_c"]), NOW);

  it("show when each changed, its status (busy, idle, interrupted) and its directory", () => {
    expect(items.map((item) => `${item.label} ${item.detail}`)).toEqual([
      "alpha refactor · just now · busy · /work/api",
      "beta migration · 5m ago · idle · /work/db",
      "gamma docs · 3d ago · interrupted · /work/api",
    ]);
  });

  it("filter by every typed word, over title, directory and status", () => {
    expect(filterItems(items, "migr").map((item) => item.key)).toEqual(["ses_b"]);
    expect(filterItems(items, "api docs").map((item) => item.key)).toEqual(["ses_c"]);
    expect(filterItems(items, "INTERRUPTED").map((item) => item.key)).toEqual(["ses_c"]);
    expect(filterItems(items, "")).toHaveLength(3);
  });

  it("older than a week shows the date", () => {
    expect(timeAgo(NOW - 10 * 86_400_000, NOW)).toBe("2023-11-04");
  });
});
