import { describe, expect, it } from "vitest";
import { inboxSweepFrom } from "../../src/cli/cluster/cluster-settings.js";
import { UsageError } from "../../src/cli/output.js";

describe("MOOR_INBOX_KEEP_MS", () => {
  it("keeps finished items an hour by default, swept every 10 minutes; a short keep is swept every sixth of it", () => {
    expect(inboxSweepFrom({})).toEqual({ keepMs: 3_600_000, everyMs: 600_000 });
    expect(inboxSweepFrom({ MOOR_INBOX_KEEP_MS: "6000" })).toEqual({ keepMs: 6000, everyMs: 1000 });
    expect(inboxSweepFrom({ MOOR_INBOX_KEEP_MS: "86400000" }).everyMs).toBe(600_000);
  });

  it("refuses what is not a whole number of milliseconds from 1 s to 30 days, in one line", () => {
    for (const text of ["abc", "999", "1.5", "-1", "2592000001"]) {
      expect(() => inboxSweepFrom({ MOOR_INBOX_KEEP_MS: text })).toThrow(UsageError);
    }
    expect(() => inboxSweepFrom({ MOOR_INBOX_KEEP_MS: "5" })).toThrow(
      /^invalid MOOR_INBOX_KEEP_MS 5: give milliseconds/,
    );
  });
});
