// Property-based fuzzing of `moor acp` (fast-check): a real child process gets arbitrary lines on stdin (not JSON,
// JSON that is not JSON-RPC, requests with unknown methods or wrong params, odd ids, notifications with bad
// params). Every request gets a JSON-RPC response, an error when its params are wrong; a line that is no request
// gets an error with a null id; a notification gets nothing. stdout carries only JSON-RPC (never a stack trace),
// and the process stays up and still answers `initialize` at the end. On a failure fast-check prints the seed.
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN } from "../fakes/moor-process.js";

/** Bounded so the file takes seconds; FUZZ_RUNS=3000 for a longer hunt. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);

interface RpcMessage {
  jsonrpc?: string;
  id?: unknown;
  method?: string;
  params?: unknown;
  result?: unknown;
  error?: { code: unknown; message: unknown; data?: unknown };
}

/** A `moor acp` child with a line reader on its stdout. */
class AcpChild {
  readonly messages: RpcMessage[] = [];
  readonly problems: string[] = [];
  stderr = "";
  private buffer = "";
  private waiters: (() => void)[] = [];

  constructor(readonly process: ChildProcess) {
    process.stdout?.setEncoding("utf8");
    process.stdout?.on("data", (chunk: string) => {
      this.buffer += chunk;
      for (let newline = this.buffer.indexOf("\n"); newline !== -1; newline = this.buffer.indexOf("\n")) {
        this.line(this.buffer.slice(0, newline));
        this.buffer = this.buffer.slice(newline + 1);
      }
    });
    process.stderr?.setEncoding("utf8");
    process.stderr?.on("data", (chunk: string) => {
      this.stderr += chunk;
    });
  }

  private line(text: string): void {
    // stdout is the protocol: anything else there (a log line, a stack trace) breaks the editor's connection.
    if (/\bat .+:\d+:\d+\)?/.test(text)) this.problems.push(`a stack trace on stdout: ${text.slice(0, 500)}`);
    try {
      const message = JSON.parse(text) as RpcMessage;
      if (message?.jsonrpc !== "2.0") this.problems.push(`not JSON-RPC 2.0 on stdout: ${text.slice(0, 300)}`);
      this.messages.push(message);
    } catch {
      this.problems.push(`not JSON on stdout: ${text.slice(0, 300)}`);
    }
    for (const wake of this.waiters.splice(0)) wake();
  }

  write(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  /** The first response (not a notification or a request of the agent's) matching `test`, after `from`. */
  async response(from: number, test: (message: RpcMessage) => boolean, timeoutMs = 10_000): Promise<RpcMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.slice(from).find((m) => m.method === undefined && test(m));
      if (found) return found;
      if (this.process.exitCode !== null) throw new Error(`moor acp exited (${this.process.exitCode}): ${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`no response in ${timeoutMs} ms; stderr: ${this.stderr.slice(-500)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }
}

const AGENT_METHODS = [
  "initialize",
  "authenticate",
  "logout",
  "session/new",
  "session/load",
  "session/list",
  "session/delete",
  "session/resume",
  "session/close",
  "session/set_mode",
  "session/set_config_option",
  "session/prompt",
  "session/cancel",
  "$/cancel_request",
];
const ODD_METHODS = ["", "nope", "__proto__", "constructor", "toString", "session/", "rpc.discover", "session/update"];
const PROTO_KEYS = ["__proto__", "constructor", "toString", "prototype", "valueOf"];

const weirdString = fc.oneof(
  fc.constantFrom(...PROTO_KEYS, "", "\u0000", "..", "/", "file:///etc/passwd", "build", "plan"),
  fc.string(),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ minLength: 1000, maxLength: 20_000 }),
);
const json = fc.jsonValue({ maxDepth: 3 });
const anyValue = fc.oneof(json, weirdString, fc.dictionary(fc.constantFrom(...PROTO_KEYS), json, { maxKeys: 3 }));

/** Params near each method's shape, with fields of the wrong type mixed in. */
function paramsFor(sessionID: string) {
  const sessionId = fc.oneof(fc.constant(sessionID), weirdString, anyValue);
  const block = fc.oneof(
    fc.record({ type: fc.constant("text"), text: fc.oneof(weirdString, anyValue) }),
    fc.record({ type: fc.constant("resource_link"), uri: anyValue, name: anyValue }),
    fc.record({
      type: fc.constant("resource"),
      resource: fc.oneof(fc.record({ uri: weirdString, text: anyValue }), anyValue),
    }),
    fc.record({ type: fc.constantFrom("image", "audio", "nope"), data: anyValue }),
    anyValue,
  );
  return fc.oneof(
    fc.record(
      {
        protocolVersion: anyValue,
        clientCapabilities: anyValue,
        sessionId,
        cwd: fc.oneof(weirdString, anyValue),
        mcpServers: fc.oneof(fc.constant([]), anyValue),
        prompt: fc.oneof(fc.array(block, { maxLength: 3 }), anyValue),
        modeId: anyValue,
        configId: fc.oneof(fc.constant("model"), anyValue),
        value: anyValue,
        cursor: anyValue,
        requestId: anyValue,
        methodId: anyValue,
      },
      { requiredKeys: [] },
    ),
    anyValue,
  );
}

const id = fc.oneof(
  fc.integer(),
  fc.string({ maxLength: 30 }),
  fc.constantFrom(0, -1, 2 ** 53, Number.MAX_SAFE_INTEGER),
);

type Case =
  | { kind: "request"; id: unknown; line: string }
  | { kind: "notification"; line: string }
  | { kind: "invalid"; line: string };

function lines(sessionID: string): fc.Arbitrary<Case> {
  const method = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...AGENT_METHODS) }, fc.constantFrom(...ODD_METHODS));
  const params = paramsFor(sessionID);
  const request = fc.record({ id, method, params: fc.option(params, { nil: undefined }) }).map(
    ({ id, method, params }): Case => ({
      kind: "request",
      id,
      line: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    }),
  );
  // An id too large for a double: the answer carries the nearest number.
  const hugeId = fc.tuple(method, params).map(
    ([method, params]): Case => ({
      kind: "request",
      id: Number("123456789012345678901234567890"),
      line: `{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":${JSON.stringify(method)},"params":${JSON.stringify(params ?? null)}}`,
    }),
  );
  const notification = fc.record({ method, params: fc.option(params, { nil: undefined }) }).map(
    ({ method, params }): Case => ({
      kind: "notification",
      line: JSON.stringify({ jsonrpc: "2.0", method, params }),
    }),
  );
  const invalid = fc.oneof(
    // Not JSON at all.
    fc
      .constantFrom("{", "not json", '{"jsonrpc":"2.0",', "\u0000", "NaN", "{'a':1}")
      .map((line): Case => ({ kind: "invalid", line })),
    fc
      .string({ minLength: 1 })
      .filter((text) => {
        try {
          JSON.parse(text);
          return false;
        } catch {
          return !text.includes("\n") && text.trim() !== "";
        }
      })
      .map((line): Case => ({ kind: "invalid", line })),
    // JSON, but no JSON-RPC message: scalars, arrays (batches), objects without a method or with the wrong version.
    fc
      .oneof(fc.integer(), fc.string(), fc.constant(null), fc.boolean())
      .map((v): Case => ({ kind: "invalid", line: JSON.stringify(v) })),
    fc.array(json, { maxLength: 3 }).map((v): Case => ({ kind: "invalid", line: JSON.stringify(v) })),
    fc
      .record({ jsonrpc: fc.constantFrom("1.0", "2", 2, null), id: fc.integer(), method, params })
      .map((v): Case => ({ kind: "invalid", line: JSON.stringify(v) })),
    fc
      .record({ jsonrpc: fc.constant("2.0"), id: fc.oneof(fc.object(), fc.array(json), fc.boolean()), method })
      .map((v): Case => ({ kind: "invalid", line: JSON.stringify(v) })),
  );
  return fc.oneof(
    { weight: 5, arbitrary: request },
    { weight: 1, arbitrary: hugeId },
    { weight: 2, arbitrary: notification },
    { weight: 3, arbitrary: invalid },
  );
}

function checkError(message: RpcMessage, context: string): void {
  if (!message.error) return;
  const { code, message: text } = message.error;
  if (!Number.isInteger(code) || typeof text !== "string") {
    throw new Error(`${context}: a malformed JSON-RPC error: ${JSON.stringify(message).slice(0, 300)}`);
  }
}

describe("moor acp fuzz (a real child process)", () => {
  let llm: FakeLlm;
  let home: TempHome;
  let acp: AcpChild;
  let sentinel = 0;

  /** A cheap request after each case: once it is answered, everything the case caused before it has been read. */
  async function settle(): Promise<void> {
    const sentinelId = `sentinel-${++sentinel}`;
    const from = acp.messages.length;
    acp.write(JSON.stringify({ jsonrpc: "2.0", id: sentinelId, method: "session/list", params: {} }));
    const answer = await acp.response(from, (m) => m.id === sentinelId);
    expect(answer.error).toBeUndefined();
  }

  beforeAll(async () => {
    llm = await startFakeLlm();
    home = makeTempHome(llm.url);
    const child = spawn(process.execPath, [MOOR_BIN, "acp", "--cwd", home.project], {
      env: home.env,
      stdio: ["pipe", "pipe", "pipe"],
    });
    acp = new AcpChild(child);
  });
  afterAll(async () => {
    acp?.process.kill("SIGKILL");
    await llm?.close();
    rmSync(home.root, { recursive: true, force: true });
  });

  it(
    "answers every request (an error when its params are wrong), a bad line with a null-id error, a notification with nothing",
    async () => {
      acp.write(JSON.stringify({ jsonrpc: "2.0", id: "init", method: "initialize", params: { protocolVersion: 1 } }));
      await acp.response(0, (m) => m.id === "init");
      const created = acp.messages.length;
      acp.write(
        JSON.stringify({
          jsonrpc: "2.0",
          id: "new",
          method: "session/new",
          params: { cwd: home.project, mcpServers: [] },
        }),
      );
      const session = (await acp.response(created, (m) => m.id === "new")).result as { sessionId: string };

      await fc.assert(
        fc.asyncProperty(lines(session.sessionId), async (fuzz) => {
          const from = acp.messages.length;
          acp.write(fuzz.line);
          if (fuzz.kind === "request") {
            // Sent as JSON, so the answer's id is the same value (a huge number, parsed the same way).
            const expected = JSON.parse(JSON.stringify(fuzz.id));
            const answer = await acp.response(from, (m) => m.id === expected);
            if (answer.result === undefined && answer.error === undefined) throw new Error("neither result nor error");
            checkError(answer, fuzz.line.slice(0, 200));
            await settle();
          } else {
            await settle();
            const nullIdErrors = acp.messages
              .slice(from)
              .filter((m) => m.method === undefined && m.id === null && m.error);
            if (fuzz.kind === "invalid") {
              if (nullIdErrors.length === 0) throw new Error(`no error answered ${fuzz.line.slice(0, 200)}`);
              for (const error of nullIdErrors) checkError(error, fuzz.line.slice(0, 200));
            } else if (nullIdErrors.length > 0) {
              throw new Error(`a notification was answered: ${JSON.stringify(nullIdErrors[0]).slice(0, 300)}`);
            }
          }
          if (acp.problems.length > 0) throw new Error(acp.problems.join("\n"));
        }),
        { numRuns: RUNS, endOnFailure: true },
      );

      // Still up, still speaking the protocol.
      const from = acp.messages.length;
      acp.write(
        JSON.stringify({ jsonrpc: "2.0", id: "init-again", method: "initialize", params: { protocolVersion: 1 } }),
      );
      const again = await acp.response(from, (m) => m.id === "init-again");
      expect((again.result as { protocolVersion: number }).protocolVersion).toBe(1);
      expect(acp.process.exitCode).toBeNull();
      expect(acp.problems).toEqual([]);
    },
    Math.max(30_000, RUNS * 100),
  );
});
