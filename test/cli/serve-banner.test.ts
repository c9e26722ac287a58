// `moor serve` tells a person what they started: URL first (scripts read it), then model, config files, log file,
// auth, how to attach.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { waitForOutput } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let home: TempHome;
let server: ServeHandle | undefined;

beforeEach(() => {
  home = makeTempHome("http://127.0.0.1:9/v1");
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

async function banner(env: Record<string, string>): Promise<string[]> {
  server = await startServe(env, [], home.project);
  await waitForOutput(server.child, (stdout) => stdout.includes("attach:"));
  return server.child.output().stdout.trimEnd().split("\n");
}

describe("moor serve's banner", () => {
  it("prints the URL first, then the model, config files, log file, auth and an attach hint", async () => {
    const lines = await banner(home.env);
    const url = server?.url;
    expect(lines[0]).toBe(`moor listening on ${url}`);
    const field = (name: string) =>
      lines
        .find((line) => line.trimStart().startsWith(`${name}:`))
        ?.split(/:\s+/)
        .slice(1)
        .join(": ");
    expect(field("model")).toBe("fake/echo");
    expect(field("config")).toBe(join(home.env.MOOR_CONFIG_DIR, "moor.json"));
    const log = field("log") ?? "";
    expect(log.startsWith(join(home.env.MOOR_DATA_DIR, "log"))).toBe(true);
    expect(existsSync(log)).toBe(true);
    expect(field("auth")).toMatch(/^none \(loopback only; set MOOR_SERVER_PASSWORD/);
    expect(field("attach")).toContain(`moor attach ${url}`);
    expect(lines.some((line) => line.includes("interrupted"))).toBe(false);
    expect(server?.child.output().stderr).toBe("");
  });

  it("says a password is required when one is set", async () => {
    const lines = await banner({ ...home.env, MOOR_SERVER_PASSWORD: "s3cret", MOOR_SERVER_USERNAME: "ann" });
    expect(lines.find((line) => line.includes("auth:"))).toMatch(/password required \(HTTP Basic, user ann\)/);
    expect(lines.join("\n")).not.toContain("s3cret");
  });
});
