import { describe, expect, it } from "vitest";
import { runMoor } from "../fakes/moor-process.js";

const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/nonexistent" };

describe("moor --help and --version", () => {
  it("lists every command with one line each", async () => {
    const result = await runMoor(["--help"], { env });
    expect(result.code).toBe(0);
    for (const command of ["serve", "run", "attach", "acp", "session", "export", "import", "debug", "daemon"]) {
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    }
  });

  it("prints the version, and a one-line error for an unknown command", async () => {
    const version = await runMoor(["--version"], { env });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const unknown = await runMoor(["frobnicate"], { env });
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });
});
