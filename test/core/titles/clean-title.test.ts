import { describe, expect, it } from "vitest";
import { cleanTitle } from "../../../src/core/titles/clean-title.js";

describe("cleanTitle", () => {
  it("keeps the first line, without quotes, labels or thinking", () => {
    expect(cleanTitle('"Fix login redirect"')).toBe("Fix login redirect");
    expect(cleanTitle("<think>the user wants\na title</think>\n\nTitle: **Debugging 500 errors**\nmore")).toBe(
      "Debugging 500 errors",
    );
    expect(cleanTitle("  \n`Refactor user service`  ")).toBe("Refactor user service");
  });

  it("answers nothing for an empty answer or unfinished thinking", () => {
    expect(cleanTitle("")).toBeUndefined();
    expect(cleanTitle(' \n "" \n')).toBeUndefined();
    expect(cleanTitle("<think>still thinking about it")).toBeUndefined();
  });

  it("cuts a long title to 50 characters at a word", () => {
    const title = cleanTitle("Investigating intermittent failures in the continuous integration pipeline");
    expect(title).toBe("Investigating intermittent failures in the…");
    expect((title as string).length).toBeLessThanOrEqual(50);
    expect((cleanTitle("x".repeat(80)) as string).length).toBe(50);
  });
});
