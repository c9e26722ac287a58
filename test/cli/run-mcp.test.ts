// `moor run` waits for the configured MCP servers' first attempt, so its one prompt's first step can call them;
// when it ends, so do they.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";

const STDIO_SERVER = resolve("test/fakes/mcp-stdio-server.mjs");
let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

describe("moor run with an MCP server", () => {
  it("the first step offers and calls its tools; the server ends with the run", async () => {
    const home = makeTempHome(llm.url);
    try {
      const file = join(home.env.MOOR_CONFIG_DIR, "moor.json");
      const config = JSON.parse(readFileSync(file, "utf8"));
      config.mcp = {
        tools: {
          type: "local",
          command: [process.execPath, STDIO_SERVER, "run"],
          environment: { MCP_PID_FILE: join(home.root, "pids") },
        },
      };
      writeFileSync(file, JSON.stringify(config));
      llm.script({ toolCalls: [{ name: "tools_echo", args: { text: "ping" } }] }, { text: "pong" });
      const result = await runMoor(["run", "use the tool"], { env: home.env, cwd: home.project });
      expect(result.code).toBe(0);
      const [first, second] = llm.requests.slice(-2);
      expect(first.tools?.map((tool) => tool.function.name)).toContain("tools_echo");
      expect(JSON.stringify(second.messages)).toContain("run echo: ping");
      const pid = Number(readFileSync(join(home.root, "pids"), "utf8").trim());
      expect(() => process.kill(pid, 0)).toThrow();
    } finally {
      rmSync(home.root, { recursive: true, force: true });
    }
  });
});
