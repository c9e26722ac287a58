// The subset of fetch the client library uses, over node:http(s). Node's built-in fetch costs ~100 ms to load
// on its first call, which is a third of `moor run --attach`'s budget; the CLI passes this one instead.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

interface MinimalResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  body: AsyncIterable<Uint8Array>;
  text(): Promise<string>;
  json(): Promise<unknown>;
}

export function nodeFetch(
  input: string | URL,
  init: { method?: string; headers?: Record<string, string>; body?: string; signal?: AbortSignal } = {},
): Promise<MinimalResponse> {
  const url = new URL(String(input));
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const signal = init.signal;
    if (signal?.aborted) return reject(signal.reason);
    // No keep-alive: an idle pooled socket would hold a one-shot command open for seconds after it is done.
    const req = send(
      url,
      { method: init.method ?? "GET", headers: init.headers, agent: false },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        resolve({
          ok: status >= 200 && status < 300,
          status,
          headers: {
            get: (name) => {
              const value = res.headers[name.toLowerCase()];
              return Array.isArray(value) ? value.join(", ") : (value ?? null);
            },
          },
          body: res,
          text: async () => {
            let text = "";
            for await (const chunk of res) text += chunk;
            return text;
          },
          json: async () => {
            let text = "";
            for await (const chunk of res) text += chunk;
            return JSON.parse(text);
          },
        });
      },
    );
    const onAbort = () => {
      req.destroy();
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("close", () => signal?.removeEventListener("abort", onAbort));
    // Same shape as fetch's network errors: `cause.code` says what happened (ECONNREFUSED, ...).
    req.on("error", (error) => reject(Object.assign(new TypeError("fetch failed"), { cause: error })));
    if (init.body !== undefined) req.end(init.body);
    else req.end();
  });
}
