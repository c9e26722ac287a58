// A scripted OpenAI-compatible `/v1/chat/completions` server: the model boundary, the one place tests fake.
// Each test scripts its replies: text, reasoning, (parallel) tool calls, usage, HTTP errors, slow token streams,
// connections dropped mid-stream, or streams that hang until the client aborts. Dependency-free on purpose, so the
// benchmark can run it too.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FakeToolCall {
  name: string;
  args: unknown;
}

export interface FakeReply {
  text?: string;
  reasoning?: string;
  toolCalls?: FakeToolCall[];
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Answer with this HTTP status and an OpenAI-shaped error body instead. */
  error?: number;
  message?: string;
  retryAfterMs?: number;
  /** Pause between streamed tokens. */
  delayMs?: number;
  /** Destroy the connection after this many tokens. */
  dropAfterTokens?: number;
  /** Stream the first tokens, then never finish (until the client goes away). */
  hang?: boolean;
  /** Replace each text token with ` <send time in ms>` (the benchmark measures delivery latency with it). */
  stampTokens?: boolean;
}

export interface ChatRequest {
  model: string;
  stream?: boolean;
  messages: { role: string; content: unknown; tool_calls?: unknown[]; tool_call_id?: string }[];
  tools?: { function: { name: string } }[];
}

export interface FakeLlm {
  url: string;
  port: number;
  /** Every request except title requests (those are in titleRequests). */
  requests: ChatRequest[];
  /**
   * The requests for a session title (moor's and OpenCode's, recognised by their system prompt). They run in the
   * background beside the turns, so they are kept out of `requests` and of the script's queue: a test's scripted
   * turns get their replies in order whatever the titles do.
   */
  titleRequests: ChatRequest[];
  /** How title requests are answered; default an empty answer (the session keeps its first-line title). */
  setTitleReply(reply: FakeReply | ((request: ChatRequest) => FakeReply)): void;
  script(...replies: FakeReply[]): void;
  /**
   * Drops the replies scripted and not yet used, and the `respond` handler: a test that failed before its turns ran
   * leaves none for the next test of the file (which would get them instead of its own).
   */
  clearScript(): void;
  respond(handler: (request: ChatRequest) => FakeReply): void;
  setDefault(reply: FakeReply): void;
  close(): Promise<void>;
}

/** Whether a request asks for a session title (moor's core/titles/ and OpenCode's title agent start alike). */
export function isTitleRequest(request: ChatRequest): boolean {
  const system = request.messages.find((message) => message.role === "system");
  const text =
    typeof system?.content === "string"
      ? system.content
      : ((system?.content as { text?: string }[] | undefined)?.map((part) => part.text ?? "").join("") ?? "");
  return text.startsWith("You are a title generator");
}

/** The text of the last user message, as a string. */
export function lastUserText(request: ChatRequest): string {
  const user = [...request.messages].reverse().find((message) => message.role === "user");
  if (!user) return "";
  if (typeof user.content === "string") return user.content;
  return (user.content as { type: string; text?: string }[]).map((part) => part.text ?? "").join("");
}

/**
 * The convention shared with ../shared/bench/mock-llm.mjs: a user message containing `MOCK_TOOL <name> <json>`
 * gets one call of that tool; after the tool result comes back, the reply is text again.
 */
export function mockToolConvention(request: ChatRequest, fallback: FakeReply): FakeReply {
  const last = request.messages.at(-1);
  if (last?.role === "user") {
    const match = /MOCK_TOOL (\w+) (\{.*\})/s.exec(lastUserText(request));
    if (match) {
      try {
        return { toolCalls: [{ name: match[1], args: JSON.parse(match[2]) }] };
      } catch (error) {
        throw new Error(`MOCK_TOOL ${match[1]}: the arguments are not JSON (${(error as Error).message})`);
      }
    }
  }
  return fallback;
}

export async function startFakeLlm(options: { port?: number; defaultReply?: FakeReply } = {}): Promise<FakeLlm> {
  const queue: FakeReply[] = [];
  const requests: ChatRequest[] = [];
  let handler: ((request: ChatRequest) => FakeReply) | undefined;
  let defaultReply: FakeReply = options.defaultReply ?? { text: "ok" };
  const titleRequests: ChatRequest[] = [];
  let titleReply: FakeReply | ((request: ChatRequest) => FakeReply) = { text: "" };
  const sockets = new Set<Socket>();

  const server: Server = createServer((req, res) => {
    // A request the fake cannot handle (a malformed body, a MOCK_TOOL whose arguments are not JSON) gets a 400
    // that says why, as a real provider would, rather than a dropped connection that looks like a network fault.
    void handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return res.destroy();
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: `fake: ${(error as Error).message}`, type: "invalid_request" } }));
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === "GET" && req.url?.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ object: "list", data: [{ id: "echo", object: "model" }] }));
      return;
    }
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
    let reply: FakeReply;
    if (isTitleRequest(request)) {
      titleRequests.push(request);
      reply = typeof titleReply === "function" ? titleReply(request) : titleReply;
    } else {
      requests.push(request);
      reply = queue.shift() ?? handler?.(request) ?? defaultReply;
    }
    if (reply.error) {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (reply.retryAfterMs !== undefined) headers["retry-after-ms"] = String(reply.retryAfterMs);
      res.writeHead(reply.error, headers);
      res.end(JSON.stringify({ error: { message: reply.message ?? `fake error ${reply.error}`, type: "fake_error" } }));
      return;
    }
    if (request.stream) await stream(reply, request, res);
    else complete(reply, request, res);
  }

  async function stream(reply: FakeReply, request: ChatRequest, res: ServerResponse): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
    const send = (delta: Record<string, unknown>, finish: string | null = null, usage?: unknown) => {
      const chunk: Record<string, unknown> = {
        id,
        object: "chat.completion.chunk",
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [{ index: 0, delta, finish_reason: finish }],
      };
      if (usage) chunk.usage = usage;
      res.write(`data: ${JSON.stringify(chunk)}\n\n`);
    };
    let sent = 0;
    const token = async (delta: Record<string, unknown>) => {
      if (reply.dropAfterTokens !== undefined && sent >= reply.dropAfterTokens) {
        res.socket?.destroy();
        throw new Error("dropped");
      }
      if (reply.delayMs) await sleep(reply.delayMs);
      if (res.destroyed) throw new Error("client gone");
      send(delta);
      sent++;
    };
    try {
      send({ role: "assistant", content: "" });
      for (const piece of tokens(reply.reasoning)) await token({ reasoning_content: piece });
      for (const piece of tokens(reply.text)) await token({ content: reply.stampTokens ? ` ${Date.now()}` : piece });
      if (reply.hang) {
        await new Promise<void>((resolve) => res.on("close", resolve));
        return;
      }
      for (const [index, call] of (reply.toolCalls ?? []).entries()) {
        const callId = `call_${Math.random().toString(36).slice(2, 12)}`;
        await token({
          tool_calls: [{ index, id: callId, type: "function", function: { name: call.name, arguments: "" } }],
        });
        const args = JSON.stringify(call.args);
        const half = Math.ceil(args.length / 2);
        for (const piece of [args.slice(0, half), args.slice(half)]) {
          if (piece) await token({ tool_calls: [{ index, function: { arguments: piece } }] });
        }
      }
      const finish = reply.toolCalls?.length ? "tool_calls" : "stop";
      const usage = reply.usage ?? { prompt_tokens: 10, completion_tokens: Math.max(1, sent) };
      send({}, finish, { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens });
      res.write("data: [DONE]\n\n");
      res.end();
    } catch {
      // The script dropped the connection, or the client went away: nothing more to send.
    }
  }

  function complete(reply: FakeReply, request: ChatRequest, res: ServerResponse): void {
    const usage = reply.usage ?? { prompt_tokens: 10, completion_tokens: tokens(reply.text).length || 1 };
    const toolCalls = (reply.toolCalls ?? []).map((call, index) => ({
      id: `call_${index}_${Math.random().toString(36).slice(2, 8)}`,
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.args) },
    }));
    res.writeHead(200, { "content-type": "application/json" });
    res.end(
      JSON.stringify({
        id: `chatcmpl-${Math.random().toString(36).slice(2)}`,
        object: "chat.completion",
        created: Math.floor(Date.now() / 1000),
        model: request.model,
        choices: [
          {
            index: 0,
            message: {
              role: "assistant",
              content: reply.text ?? null,
              reasoning_content: reply.reasoning,
              tool_calls: toolCalls.length ? toolCalls : undefined,
            },
            finish_reason: toolCalls.length ? "tool_calls" : "stop",
          },
        ],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      }),
    );
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    titleRequests,
    setTitleReply: (reply) => {
      titleReply = reply;
    },
    script: (...replies) => queue.push(...replies),
    clearScript: () => {
      queue.length = 0;
      handler = undefined;
    },
    respond: (fn) => {
      handler = fn;
    },
    setDefault: (reply) => {
      defaultReply = reply;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Splits text into tokens that keep their spaces ("a b" → "a", " b"), as models stream them. */
export function tokens(text: string | undefined): string[] {
  if (!text) return [];
  return text.match(/\s*\S+|\s+$/g) ?? [text];
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
