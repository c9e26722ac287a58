// Property: a grant stored for one command never covers another command joined to it by any shell construct.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluatePermission, OPAQUE_MARK } from "../../../../src/core/permission-rules.js";
import { analyzeCommand } from "../../../../src/core/tools/shell/analyze.js";

const names = fc.constantFrom("echo", "ls", "cat", "git status", "npm test", "grep x");
const argument = fc.constantFrom("", " a", " -l", " 'q w'", ' "$HOME"', " *.ts");
const simple = fc.tuple(names, argument).map(([name, arg]) => `${name}${arg}`);
/** Ways to put a second command next to the first. */
const joins: ((a: string, b: string) => string)[] = [
  (a, b) => `${a}; ${b}`,
  (a, b) => `${a} && ${b}`,
  (a, b) => `${a} || ${b}`,
  (a, b) => `${a} | ${b}`,
  (a, b) => `${a}\n${b}`,
  (a, b) => `${a} $(${b})`,
  (a, b) => `${a} "\`${b}\`"`,
  (a, b) => `${a} <(${b})`,
  (a, b) => `(${a}); { ${b}; }`,
  (a, b) => `if ${a}; then ${b}; fi`,
  (a, b) => `for x in 1; do ${a}; ${b}; done`,
  (a, b) => `${a} & ${b}`,
];

describe("grant scope", () => {
  it("'always' on the first command does not allow a line that adds rm", async () => {
    await fc.assert(
      fc.asyncProperty(simple, fc.integer({ min: 0, max: joins.length - 1 }), async (first, join) => {
        const granted = await analyzeCommand(first);
        const grants = granted.commands.flatMap((part) =>
          part.rule ? [{ permission: "bash", pattern: part.rule }] : [],
        );
        const line = joins[join](first, "rm -rf victim");
        const analysis = await analyzeCommand(line);
        expect(analysis.understood, line).toBe(true);
        const patterns = analysis.commands.map((part) => (part.opaque ? OPAQUE_MARK : "") + part.text);
        expect(patterns, line).toContain("rm -rf victim");
        expect(evaluatePermission(undefined, grants, "bash", patterns), line).toBe("ask");
        // The first command alone stays allowed by its own grant.
        expect(evaluatePermission(undefined, grants, "bash", [granted.commands[0].text])).toBe("allow");
      }),
      { numRuns: 150 },
    );
  });
});
