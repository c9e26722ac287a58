// A pass-through HTTP proxy that records every answer's status: put in front of `moor serve`, it tells which calls
// a client (OpenCode's TUI) made that moor answered with a 4xx or 5xx. Streams (SSE) pass through as they come.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";

export interface CountingProxy {
  url: string;
  /** Every answer so far: method, path (query removed) and status. */
  answers: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const answers: CountingProxy["answers"] = [];
  const server = createServer((req, res) => {
    const forward = httpRequest(
      {
        hostname: upstream.hostname,
        port: upstream.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        answers.push({ method: req.method ?? "", path: (req.url ?? "").split("?")[0], status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on("error", () => {
      answers.push({ method: req.method ?? "", path: (req.url ?? "").split("?")[0], status: 502 });
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
    res.on("close", () => forward.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answers,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
