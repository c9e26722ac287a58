// runHooks: hooks in order, each seeing what the previous left; synchronous while they are (turn/hooks.ts).
import { describe, expect, it } from "vitest";
import { runHooks } from "../../../src/core/turn/hooks.js";

type Hook = (value: string) => string | undefined | Promise<string | undefined>;
const run = (hooks: Hook[], done?: (value: string) => boolean) =>
  runHooks<Hook, string>(hooks, "a", (hook, value) => hook(value), done);

describe("runHooks", () => {
  it("answers synchronously while every hook does (the default hooks add no tick to a step)", () => {
    const result = run([(value) => `${value}b`, () => undefined, (value) => `${value}c`]);
    expect(result).toBe("abc");
  });

  it("goes on after an asynchronous hook, in order", async () => {
    const result = run([(value) => `${value}b`, async (value) => `${value}c`, (value) => `${value}d`]);
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toBe("abcd");
  });

  it("stops at the first value `done` accepts, sync or async", async () => {
    const later: string[] = [];
    const hooks: Hook[] = [
      async () => "stop",
      (value) => {
        later.push(value);
        return undefined;
      },
    ];
    expect(await run(hooks, (value) => value === "stop")).toBe("stop");
    expect(run([() => "stop", ...hooks.slice(1)], (value) => value === "stop")).toBe("stop");
    expect(later).toEqual([]);
  });
});
