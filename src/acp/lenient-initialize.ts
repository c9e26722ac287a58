// Editors (and the seed's smoke test) may send `initialize` without a protocolVersion; ACP's first version is
// what they mean. This line filter fills it in before the SDK validates the request; every other line passes
// through untouched (bad JSON included, so the SDK answers it with -32700).
export function lenientInitialize(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new TextDecoder();
  const encoder = new TextEncoder();
  let buffer = "";
  const fix = (line: string): string => {
    if (!line.includes('"initialize"')) return line;
    try {
      const message = JSON.parse(line);
      if (message?.method !== "initialize") return line;
      const params = message.params && typeof message.params === "object" ? message.params : {};
      if (params.protocolVersion !== undefined) return line;
      return JSON.stringify({ ...message, params: { ...params, protocolVersion: 1 } });
    } catch {
      return line;
    }
  };
  return new TransformStream({
    transform(chunk, controller) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        controller.enqueue(encoder.encode(`${fix(buffer.slice(0, newline))}\n`));
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf("\n");
      }
    },
    flush(controller) {
      if (buffer) controller.enqueue(encoder.encode(fix(buffer)));
    },
  });
}
