// `moor acp` answers the editor's `initialize` before the ACP SDK (and its zod schemas) and the core have loaded
// (issue 18 §5): the answer needs only the config (initialize-result.ts). The request still goes on to the SDK,
// which must see it (it rejects session requests on a connection it did not initialize); its own answer, the same
// object, is dropped, and the editor's next lines wait until the SDK has answered, so they find the connection
// initialized. A first line that is not a plain `initialize` request leaves everything to the SDK as before.
// No runtime import of the SDK here: this module is on the path to the first answer.

export interface EarlyInitializeIo {
  /** For the SDK's connection: the editor's lines (held back while the SDK catches up with `initialize`). */
  input: ReadableStream<Uint8Array>;
  /** For the SDK's connection: what it writes, less its answer to an `initialize` already answered. */
  output: WritableStream<Uint8Array>;
}

type RequestId = string | number;

/** The id of a first line that is an `initialize` request moor may answer itself, else undefined. */
function earlyInitializeId(line: string): RequestId | undefined {
  if (!line.includes('"initialize"')) return undefined;
  let message: unknown;
  try {
    message = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isObject(message) || message.jsonrpc !== "2.0" || message.method !== "initialize") return undefined;
  const id = message.id;
  if (typeof id !== "string" && !(typeof id === "number" && Number.isInteger(id))) return undefined;
  const params = message.params;
  if (params === undefined) return id;
  if (!isObject(params)) return undefined;
  // What the SDK would reject (or lenient-initialize.ts would not fill in) is left for it to answer.
  const version = params.protocolVersion;
  if (
    version !== undefined &&
    !(Number.isInteger(version) && (version as number) >= 0 && (version as number) <= 65535)
  ) {
    return undefined;
  }
  if (params.clientCapabilities !== undefined && !isObject(params.clientCapabilities)) return undefined;
  return id;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Whether a line the SDK writes is its answer (result or error) to request `id`. */
function isAnswerTo(line: string, id: RequestId): boolean {
  if (!line.includes('"id"')) return false;
  try {
    const message = JSON.parse(line);
    return isObject(message) && message.id === id && ("result" in message || "error" in message);
  } catch {
    return false;
  }
}

/**
 * Wraps the editor's stdio: an `initialize` on the first line is answered with `answer()`'s result as soon as it
 * resolves, unless the SDK has answered first (then the SDK's answer is the one sent).
 */
export function earlyInitialize(
  io: { input: ReadableStream<Uint8Array>; output: WritableStream<Uint8Array> },
  answer: () => Promise<unknown>,
  /** Told when the SDK failed an initialize moor had already answered (it should not: same checks, same result). */
  warn: (message: string) => void = () => {},
): EarlyInitializeIo {
  const encoder = new TextEncoder();
  const writer = io.output.getWriter();
  /** The first line's initialize id while the SDK has not answered it. */
  let pendingId: RequestId | undefined;
  let early: "none" | "waiting" | "sent" = "none";
  let releaseInput = () => {};
  const inputReleased = new Promise<void>((resolve) => {
    releaseInput = resolve;
  });

  const answerEarly = (id: RequestId) => {
    early = "waiting";
    answer().then(
      (result) => {
        if (early !== "waiting") return;
        early = "sent";
        void writer.write(encoder.encode(`${JSON.stringify({ jsonrpc: "2.0", id, result })}\n`)).catch(() => {});
      },
      () => {
        // No early answer: the SDK's own goes out.
        if (early === "waiting") early = "none";
      },
    );
  };

  // The editor's lines: the first decides; while the SDK has not answered an initialize, later lines wait.
  const inputDecoder = new TextDecoder();
  let inputBuffer = "";
  let firstLine = true;
  let holding = false;
  const held: string[] = [];
  let inputController: TransformStreamDefaultController<Uint8Array> | undefined;
  const pass = (text: string) => inputController?.enqueue(encoder.encode(text));
  const takeLine = (line: string, newline: string) => {
    if (holding) {
      held.push(line + newline);
      return;
    }
    if (firstLine) {
      firstLine = false;
      const id = earlyInitializeId(line);
      if (id !== undefined) {
        pendingId = id;
        holding = true;
        answerEarly(id);
      }
    }
    pass(line + newline);
  };
  void inputReleased.then(() => {
    holding = false;
    for (const line of held.splice(0)) pass(line);
  });
  const input = io.input.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>(
      {
        start(controller) {
          inputController = controller;
        },
        transform(chunk) {
          inputBuffer += inputDecoder.decode(chunk, { stream: true });
          let newline = inputBuffer.indexOf("\n");
          while (newline !== -1) {
            takeLine(inputBuffer.slice(0, newline), "\n");
            inputBuffer = inputBuffer.slice(newline + 1);
            newline = inputBuffer.indexOf("\n");
          }
        },
        async flush() {
          if (inputBuffer) takeLine(inputBuffer, "");
          inputBuffer = "";
          // The editor closed its end: what it sent still reaches the SDK, after its initialize answer.
          if (holding) await inputReleased;
        },
      },
      // Lines are read as they come, before the SDK's connection reads them: the first answer must not wait for it.
      undefined,
      { highWaterMark: 1024 },
    ),
  );

  // What the SDK writes: passed on as it comes, but for its answer to the initialize moor may have answered.
  const outputDecoder = new TextDecoder();
  let outputBuffer = "";
  const output = new WritableStream<Uint8Array>({
    async write(chunk) {
      if (pendingId === undefined) return writer.write(chunk);
      outputBuffer += outputDecoder.decode(chunk, { stream: true });
      let newline = outputBuffer.indexOf("\n");
      while (newline !== -1) {
        const line = outputBuffer.slice(0, newline + 1);
        outputBuffer = outputBuffer.slice(newline + 1);
        newline = outputBuffer.indexOf("\n");
        if (pendingId !== undefined && isAnswerTo(line, pendingId)) {
          pendingId = undefined;
          if (early === "sent") {
            if (line.includes('"error"')) warn(`initialize was answered, but the ACP SDK failed it: ${line.trim()}`);
          } else {
            early = "none";
            await writer.write(encoder.encode(line));
          }
          releaseInput();
          continue;
        }
        await writer.write(encoder.encode(line));
      }
      if (pendingId === undefined && outputBuffer) {
        const rest = outputBuffer;
        outputBuffer = "";
        await writer.write(encoder.encode(rest));
      }
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  });
  return { input, output };
}
