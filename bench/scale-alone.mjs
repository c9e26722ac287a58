// Runs parts of bench/scale.mjs alone, without the whole bench: `node bench/scale-alone.mjs fanout rss` (parts:
// list, fanout, rss; all when none is named). `npm run build` first. Prints the figures as JSON.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startFakeModel } from "./fake-model.mjs";
import { measureScale } from "./scale.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const work = mkdtempSync(join(tmpdir(), "moor-scale-"));
const { child: llm, url: llmUrl } = await startFakeModel({ root, work });
const home = join(work, "moor");
mkdirSync(join(home, "config"), { recursive: true });
const config = {
  model: "mock/echo",
  provider: {
    mock: {
      npm: "@ai-sdk/openai-compatible",
      options: { baseURL: llmUrl, apiKey: "x" },
      models: { echo: { name: "echo", tool_call: true } },
    },
  },
  permission: { edit: "allow", bash: "allow" },
};
writeFileSync(join(home, "config", "moor.json"), JSON.stringify(config));
const env = { ...process.env, HOME: home, MOOR_CONFIG_DIR: join(home, "config") };
const agent = new Agent({ keepAlive: true });
const send = (url, method, path, payload) =>
  new Promise((resolve, reject) => {
    const req = httpRequest(
      `${url}${path}`,
      { method, agent, headers: { "content-type": "application/json" } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => (text += chunk));
        res.on("end", () =>
          res.statusCode >= 400
            ? reject(new Error(`${method} ${path}: ${res.statusCode}`))
            : resolve(text ? JSON.parse(text) : null),
        );
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(payload));
  });
const waitHealthy = async (url) => {
  for (;;) {
    const ok = await fetch(`${url}/global/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
};
const treeRssMb = (pid) => {
  let kb = 0;
  const visit = (id) => {
    try {
      kb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, "utf8"))?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${id}/task`)) {
        const children = readFileSync(`/proc/${id}/task/${task}/children`, "utf8").trim();
        for (const child of children ? children.split(" ") : []) visit(child);
      }
    } catch {
      // Gone in between.
    }
  };
  visit(pid);
  return kb / 1024;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const percentile = (values, p) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];
const parts = process.argv.slice(2);
const bin = process.env.SCALE_MOOR_BIN ?? join(root, "bin/moor.cjs");
const results = await measureScale({
  ...{ root, bin, work, env, send, waitHealthy, treeRssMb, median, percentile },
  parts: parts.length > 0 ? parts : undefined,
});
llm.kill();
console.log(JSON.stringify(results));
process.exit(0);
