import { describe, expect, it } from "vitest";
import { plainReadOutput } from "../../src/acp/plain-read-output.js";

describe("plainReadOutput (the read tool's text for an editor)", () => {
  it("drops the wrapper, the line-number gutter and the 'more lines' footer", () => {
    const output =
      "<file>\n00010| const a = 1;\n00011| |pipe| kept\n\n(File has more lines. Use offset=12 to read beyond line 11.)\n</file>";
    expect(plainReadOutput(output)).toBe("const a = 1;\n|pipe| kept");
  });
  it("an empty file is empty text", () => {
    expect(plainReadOutput("<file>\n\n\n(End of file - total 0 lines)\n</file>")).toBe("");
  });
  it("leaves output that is not a numbered file as it is", () => {
    expect(plainReadOutput("Error: no such file")).toBe("Error: no such file");
    expect(plainReadOutput("<file>\nno gutter here\n</file>")).toBe("<file>\nno gutter here\n</file>");
  });
});
