// `moor acp`'s early initialize answer (acp/early-initialize.ts): the same object the SDK's handler answers, sent
// once, with the editor's later lines held until the SDK has caught up; anything else passes through untouched.
import { PROTOCOL_VERSION } from "@agentclientprotocol/sdk/unstable";
import { describe, expect, it } from "vitest";
import { serveAcp } from "../../src/acp/agent.js";
import type { AcpBackend } from "../../src/acp/backend.js";
import { earlyInitialize } from "../../src/acp/early-initialize.js";
import { ACP_PROTOCOL_VERSION, initializeResult } from "../../src/acp/initialize-result.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An editor's side of two pipes: what it sends, and every line the agent writes. */
function editorPipes() {
  let send!: ReadableStreamDefaultController<Uint8Array>;
  const input = new ReadableStream<Uint8Array>({
    start(controller) {
      send = controller;
    },
  });
  const written: string[] = [];
  const output = new WritableStream<Uint8Array>({
    write(chunk) {
      written.push(...decoder.decode(chunk).split("\n").filter(Boolean));
    },
  });
  return { input, output, written, send: (line: string) => send.enqueue(encoder.encode(`${line}\n`)) };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  expect(condition()).toBe(true);
};

/** Reads what a stream passes on, line by line, as it comes. */
function readLines(stream: ReadableStream<Uint8Array>) {
  const lines: string[] = [];
  void (async () => {
    for await (const chunk of stream as unknown as AsyncIterable<Uint8Array>) {
      lines.push(...decoder.decode(chunk).split("\n").filter(Boolean));
    }
  })();
  return lines;
}

const initialize = JSON.stringify({ jsonrpc: "2.0", id: 7, method: "initialize", params: { protocolVersion: 1 } });
const sessionNew = JSON.stringify({
  jsonrpc: "2.0",
  id: 8,
  method: "session/new",
  params: { cwd: "/", mcpServers: [] },
});

describe("early initialize", () => {
  it("answers a first-line initialize itself, drops the SDK's answer, and holds later lines until the SDK has it", async () => {
    const editor = editorPipes();
    const io = earlyInitialize(editor, async () => ({ answered: "early" }));
    const sdkReads = readLines(io.input);
    editor.send(initialize);
    editor.send(sessionNew);
    await until(() => editor.written.length === 1);
    expect(JSON.parse(editor.written[0])).toEqual({ jsonrpc: "2.0", id: 7, result: { answered: "early" } });
    // The SDK sees the initialize; the next line waits for its answer.
    await until(() => sdkReads.length === 1);
    expect(sdkReads).toEqual([initialize]);
    const sdk = io.output.getWriter();
    await sdk.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", id: 7, result: { answered: "sdk" } })}\n`));
    await until(() => sdkReads.length === 2);
    expect(sdkReads[1]).toBe(sessionNew);
    await sdk.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", id: 8, result: {} })}\n`));
    await until(() => editor.written.length === 2);
    expect(editor.written.map((line) => JSON.parse(line).id)).toEqual([7, 8]);
  });

  it("leaves a first line that is not a plain initialize, and everything after it, to the SDK", async () => {
    for (const first of [
      sessionNew,
      "not json",
      JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: 3 }),
    ]) {
      const editor = editorPipes();
      const io = earlyInitialize(editor, async () => ({ answered: "early" }));
      const sdkReads = readLines(io.input);
      editor.send(first);
      editor.send(initialize);
      await until(() => sdkReads.length === 2);
      expect(sdkReads).toEqual([first, initialize]);
      const sdk = io.output.getWriter();
      await sdk.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", id: 7, result: { answered: "sdk" } })}\n`));
      await until(() => editor.written.length === 1);
      expect(JSON.parse(editor.written[0]).result).toEqual({ answered: "sdk" });
    }
  });

  it("answers what the SDK's own initialize handler answers", async () => {
    expect(ACP_PROTOCOL_VERSION).toBe(PROTOCOL_VERSION);
    const backend = { fork: async () => ({}), sessionMcpServers: async () => {} } as unknown as AcpBackend;
    const editor = editorPipes();
    serveAcp(
      { backend, version: "9.9.9", defaultCwd: "/", models: [{ id: "a/b", name: "b", imageInput: true }] },
      { input: editor.input, output: editor.output },
    );
    editor.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "initialize", params: { protocolVersion: 1 } }));
    await until(() => editor.written.length === 1);
    expect(JSON.parse(editor.written[0]).result).toEqual(
      initializeResult({ version: "9.9.9", imageInput: true, fork: true, sessionMcpServers: true }),
    );
  });
});
