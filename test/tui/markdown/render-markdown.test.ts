import { describe, expect, it } from "vitest";
import { stripAnsi, visibleWidth, wrapLine } from "../../../src/tui/markdown/ansi.js";
import { renderMarkdown } from "../../../src/tui/markdown/render-markdown.js";

const plain = (markdown: string, width = 60) => renderMarkdown(markdown, width).map(stripAnsi);

describe("renderMarkdown", () => {
  it("styles emphasis, headings and code spans instead of showing their markers", () => {
    const lines = renderMarkdown("# Title\n\nSome **bold**, *italic* and `code`.", 60);
    const text = lines.map(stripAnsi).join("\n");
    expect(text).toBe("Title\n\nSome bold, italic and code.");
    expect(lines.join("\n")).toContain("\u001b[1mbold\u001b[22m");
    expect(lines.join("\n")).toContain("\u001b[3mitalic\u001b[23m");
  });

  it("draws nested lists with bullets and indentation, and ordered lists with numbers", () => {
    expect(plain("- one\n  - nested\n- two\n\n3. a\n4. b")).toEqual([
      "• one",
      "  • nested",
      "• two",
      "",
      "3. a",
      "4. b",
    ]);
  });

  it("shows a link's address beside its text", () => {
    expect(plain("see [docs](https://example.com/d)")).toEqual(["see docs (https://example.com/d)"]);
  });

  it("marks block quotes with a bar", () => {
    expect(plain("> quoted\n> more")).toEqual(["│ quoted", "│ more"]);
  });

  it("draws a table in box characters, columns aligned", () => {
    expect(plain("| Name | Value |\n|:--|--:|\n| alpha | 1 |\n| beta | 22 |")).toEqual([
      "┌───────┬───────┐",
      "│ Name  │ Value │",
      "├───────┼───────┤",
      "│ alpha │     1 │",
      "│ beta  │    22 │",
      "└───────┴───────┘",
    ]);
  });

  it("shrinks a table wider than the screen, wrapping its cells", () => {
    const lines = plain(`| a | b |\n|---|---|\n| ${"word ".repeat(20)}| x |`, 30);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(30);
    expect(lines[0].startsWith("┌")).toBe(true);
  });

  it("highlights a fenced code block by its language and drops the fences", () => {
    const lines = renderMarkdown('```ts\nconst x = "s"; // note\n```', 60);
    const text = lines.map(stripAnsi).join("\n");
    expect(text).not.toContain("```");
    expect(text).toContain('│ const x = "s"; // note');
    const code = lines.find((line) => stripAnsi(line).includes("const"));
    expect(code).toContain('\u001b[32m"s"\u001b[39m'); // string in green
    expect(code).toMatch(/\u001b\[35mconst\u001b\[39m/); // keyword in magenta
  });

  it("draws an unclosed fence (text still streaming) as a code block so far", () => {
    const text = plain("Here:\n\n```py\nprint(1)").join("\n");
    expect(text).not.toContain("```");
    expect(text).toContain("│ print(1)");
  });

  it("shows raw HTML as text", () => {
    expect(plain("<script>alert(1)</script>").join("\n")).toContain("<script>alert(1)</script>");
  });

  it("wraps paragraphs to the width", () => {
    const lines = plain("word ".repeat(30), 20);
    for (const line of lines) expect(visibleWidth(line)).toBeLessThanOrEqual(20);
    expect(lines.length).toBeGreaterThan(5);
  });
});

describe("wrapLine", () => {
  it("closes styles at a break and reopens them on the next line", () => {
    const lines = wrapLine(`\u001b[1m${"bold ".repeat(6)}\u001b[22m`, 12);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0].endsWith("\u001b[0m")).toBe(true);
    expect(lines[1].startsWith("\u001b[1m")).toBe(true);
  });
});
