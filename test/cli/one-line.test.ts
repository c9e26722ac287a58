// The CLI's error line: one line, and nothing in it that a terminal would act on (a message may quote a file's ids
// or a server's words).
import { describe, expect, it } from "vitest";
import { oneLine } from "../../src/cli/output.js";

describe("oneLine", () => {
  it("joins lines and shows control characters as spaces, so an escape sequence from a file is not run", () => {
    const error = new Error("message \u001b]0;owned\u0007msg_1\u001b[2J already exists\nin session \rses_x\u009b");
    const line = oneLine(error);
    expect(line).toBe("message  ]0;owned msg_1 [2J already exists; in session  ses_x ");
    expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it("keeps ordinary text as it was", () => {
    expect(oneLine("cannot read café.json: ENOENT")).toBe("cannot read café.json: ENOENT");
    expect(oneLine(new Error(""))).toBe("unknown error");
  });
});
