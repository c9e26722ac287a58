// Sends the same ACP client messages to `moor acp` and to `opencode acp` (the pinned opencode-ai devDependency), both
// on the same fake model, records each side's JSON-RPC traffic, and prints where the answers differ in shape
// (issue 18 §3). The steps: initialize, session/new, a prompt whose tool asks permission (answered allow_once), a
// prompt cancelled mid-stream, session/load in a second process, session/list. Offline: OpenCode runs in a temp HOME
// with its network switches off. Takes a minute or two.
// Usage: npm run build && node scripts/acp-compare.mjs [DIR]   (writes DIR/moor.ndjson, DIR/opencode.ndjson;
// default a temp dir). The differences that remain, and why, are listed in README.md (ACP section).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const OPENCODE = join(ROOT, "node_modules/.bin/opencode");
const MOOR = join(ROOT, "bin/moor.cjs");
const work = realpathSync(mkdtempSync(join(tmpdir(), "acp-compare-")));
const OUT = resolve(process.argv[2] ?? work);
mkdirSync(OUT, { recursive: true });

// The fake model is TypeScript: compiled once into the temp dir (it is dependency-free).
const compiled = join(work, "fakes");
const options = ["--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022", "--skipLibCheck"];
execFileSync(join(ROOT, "node_modules/.bin/tsc"), ["test/fakes/llm-server.ts", "--outDir", compiled, ...options], {
  cwd: ROOT,
});
writeFileSync(join(compiled, "package.json"), '{"type":"module"}');
const { startFakeLlm } = await import(join(compiled, "llm-server.js"));

const llm = await startFakeLlm();
llm.setTitleReply({ text: "Compared session" });
const provider = {
  fake: {
    npm: "@ai-sdk/openai-compatible",
    options: { baseURL: llm.url, apiKey: "test-key" },
    models: { echo: { name: "Echo", tool_call: true } },
  },
};

function side(name) {
  const root = join(work, name);
  const project = join(root, "project");
  for (const dir of [".config", ".local/share", ".cache", ".local/state", "project", "moor-config"])
    mkdirSync(join(root, dir), { recursive: true });
  return { root, project };
}

const moorSide = side("moor");
writeFileSync(
  join(moorSide.root, "moor-config", "moor.json"),
  JSON.stringify({ model: "fake/echo", provider, permission: { edit: "ask" } }),
);
const moorEnv = {
  PATH: process.env.PATH,
  HOME: moorSide.root,
  MOOR_CONFIG_DIR: join(moorSide.root, "moor-config"),
  MOOR_DATA_DIR: join(moorSide.root, "data"),
  MOOR_STATE_DIR: join(moorSide.root, "state"),
};

const ocSide = side("opencode");
writeFileSync(
  join(ocSide.project, "opencode.json"),
  JSON.stringify({ model: "fake/echo", autoupdate: false, share: "disabled", provider, permission: { edit: "ask" } }),
);
const ocEnv = {
  PATH: process.env.PATH,
  HOME: ocSide.root,
  XDG_CONFIG_HOME: join(ocSide.root, ".config"),
  XDG_DATA_HOME: join(ocSide.root, ".local/share"),
  XDG_CACHE_HOME: join(ocSide.root, ".cache"),
  XDG_STATE_HOME: join(ocSide.root, ".local/state"),
  OPENCODE_DISABLE_AUTOUPDATE: "1",
  OPENCODE_DISABLE_MODELS_FETCH: "1",
  OPENCODE_DISABLE_DEFAULT_PLUGINS: "1",
  OPENCODE_DISABLE_LSP_DOWNLOAD: "1",
  OPENCODE_DISABLE_CLAUDE_CODE: "1",
  OPENCODE_DISABLE_EXTERNAL_SKILLS: "1",
  OPENCODE_DISABLE_SHARE: "1",
  OPENCODE_PURE: "1",
};

/** A minimal ACP client over a child's stdio that records every line both ways. */
function connect(command, args, env, cwd, log) {
  const child = spawn(command, args, { env, cwd, stdio: ["pipe", "pipe", "pipe"] });
  let nextId = 0;
  const pending = new Map();
  const notifications = [];
  let buffer = "";
  child.stderr.on("data", () => {});
  const send = (message) => {
    log.push({ dir: "client→agent", message });
    child.stdin.write(`${JSON.stringify(message)}\n`);
  };
  child.stdout.on("data", (chunk) => {
    buffer += chunk.toString();
    for (let newline = buffer.indexOf("\n"); newline !== -1; newline = buffer.indexOf("\n")) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!line.startsWith("{")) continue;
      const message = JSON.parse(line);
      log.push({ dir: "agent→client", message });
      if (message.method === "session/request_permission") {
        // Option ids are the agent's own (moor `allow_once`, OpenCode `once`): pick by kind, as editors do.
        const option = message.params.options.find((candidate) => candidate.kind === "allow_once");
        send({
          jsonrpc: "2.0",
          id: message.id,
          result: { outcome: { outcome: "selected", optionId: option.optionId } },
        });
      } else if (message.method && message.id !== undefined) {
        send({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "not offered by this client" } });
      } else if (message.method) {
        notifications.push(message);
      } else if (pending.has(message.id)) {
        pending.get(message.id)(message);
        pending.delete(message.id);
      }
    }
  });
  return {
    notifications,
    request(method, params, timeoutMs = 120_000) {
      const id = nextId++;
      send({ jsonrpc: "2.0", id, method, params });
      return new Promise((done) => {
        const timer = setTimeout(() => done({ timeout: true }), timeoutMs);
        pending.set(id, (message) => {
          clearTimeout(timer);
          done(message);
        });
      });
    },
    notify(method, params) {
      send({ jsonrpc: "2.0", method, params });
    },
    close() {
      child.stdin.end();
      child.kill("SIGTERM");
    },
  };
}

const initParams = {
  protocolVersion: 1,
  clientCapabilities: { fs: { readTextFile: false, writeTextFile: false }, terminal: false },
  clientInfo: { name: "acp-compare", version: "1" },
};

async function drive(name, command, args, env, project) {
  const log = [];
  const steps = {};
  const agent = connect(command, args, env, project, log);
  steps.initialize = await agent.request("initialize", initParams);
  steps.new = await agent.request("session/new", { cwd: project, mcpServers: [] });
  const sessionId = steps.new.result?.sessionId;
  const file = join(project, "hello.txt");
  const mark = agent.notifications.length;
  steps.prompt = await agent.request("session/prompt", {
    sessionId,
    prompt: [{ type: "text", text: `write the file ${file}` }],
  });
  steps.promptUpdates = agent.notifications.slice(mark).map((n) => n.params?.update);
  const slow = agent.request("session/prompt", { sessionId, prompt: [{ type: "text", text: "talk slowly" }] });
  await new Promise((done) => setTimeout(done, 3000));
  agent.notify("session/cancel", { sessionId });
  steps.cancel = await slow;
  steps.list = await agent.request("session/list", {});
  agent.close();

  // A second process loads the session, as an editor does after a restart.
  const again = connect(command, args, env, project, log);
  await again.request("initialize", initParams);
  const before = again.notifications.length;
  steps.load = await again.request("session/load", { sessionId, cwd: project, mcpServers: [] });
  steps.loadUpdates = again.notifications.slice(before).map((n) => n.params?.update?.sessionUpdate);
  again.close();
  writeFileSync(join(OUT, `${name}.ndjson`), `${log.map((entry) => JSON.stringify(entry)).join("\n")}\n`);
  return steps;
}

// The model's answer depends on the prompt, so both agents get the same turns whatever else they ask; the file the
// write tool writes is in each side's project.
function fileFor(project) {
  llm.respond((request) => {
    const last = request.messages.at(-1);
    const asked = JSON.stringify([...request.messages].reverse().find((m) => m.role === "user")?.content ?? "");
    if (asked.includes("write the file"))
      return last.role === "user"
        ? { toolCalls: [{ name: "write", args: { filePath: join(project, "hello.txt"), content: "hello\n" } }] }
        : { text: "Written." };
    if (asked.includes("talk slowly")) return { text: "word ".repeat(400), delayMs: 50 };
    return { text: "Hello there." };
  });
}
fileFor(moorSide.project);
const moor = await drive("moor", process.execPath, [MOOR, "acp"], moorEnv, moorSide.project);
fileFor(ocSide.project);
const opencode = await drive("opencode", OPENCODE, ["acp"], ocEnv, ocSide.project);
await llm.close();

/**
 * Keys and types, not values: `{a: "string", b: {c: "number"}}`; arrays by their first element, except lists of
 * things with ids (config options, modes), which are matched by id whatever their order.
 */
function shape(value) {
  if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item?.id === "string"))
    return Object.fromEntries(value.map((item) => [`id=${item.id}`, shape(item)]));
  if (Array.isArray(value)) return value.length === 0 ? [] : [shape(value[0])];
  if (value && typeof value === "object")
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, shape(value[key])]),
    );
  return value === null ? "null" : typeof value;
}

function differences(a, b, path = "") {
  const out = [];
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b)) {
    out.push(`${path || "."}: moor ${JSON.stringify(a)} / opencode ${JSON.stringify(b)}`);
    return out;
  }
  if (a && typeof a === "object" && !Array.isArray(a)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(key in a)) out.push(`${path}.${key}: only opencode`);
      else if (!(key in b)) out.push(`${path}.${key}: only moor`);
      else out.push(...differences(a[key], b[key], `${path}.${key}`));
    }
  } else if (Array.isArray(a) && a.length > 0 && b.length > 0) {
    out.push(...differences(a[0], b[0], `${path}[0]`));
  } else if (typeof a !== "object" && a !== b && typeof a !== "string") {
    out.push(`${path}: moor ${a} / opencode ${b}`);
  }
  return out;
}

const report = {};
for (const step of ["initialize", "new", "prompt", "cancel", "list", "load"]) {
  report[step] = differences(shape(moor[step]), shape(opencode[step]));
}
const kinds = (updates) => updates.map((u) => (u ? `${u.sessionUpdate}${u.status ? `:${u.status}` : ""}` : "?"));
const squeeze = (list) => list.filter((item, index) => item !== list[index - 1]);
report.promptUpdates = { moor: squeeze(kinds(moor.promptUpdates)), opencode: squeeze(kinds(opencode.promptUpdates)) };
report.loadUpdates = { moor: squeeze(moor.loadUpdates), opencode: squeeze(opencode.loadUpdates) };
report.stopReasons = { moor: moor.cancel.result?.stopReason, opencode: opencode.cancel.result?.stopReason };
report.firstToolCall = {
  moor: moor.promptUpdates.find((u) => u?.sessionUpdate === "tool_call"),
  opencode: opencode.promptUpdates.find((u) => u?.sessionUpdate === "tool_call"),
};
writeFileSync(join(OUT, "differences.json"), `${JSON.stringify(report, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(report, null, 2)}\nTraffic in ${OUT}\n`);
process.exit(0);
