// A server that answers a route it lacks with its web page (OpenCode does, for moor's /resume): the client says the
// route is not supported in one line instead of taking the HTML for an answer.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MoorClient } from "../../src/client/index.js";

describe("client against a server that answers with a web page", () => {
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url?.startsWith("/global/health")) {
        response.writeHead(200, { "content-type": "application/json" });
        return response.end(JSON.stringify({ healthy: true, version: "x" }));
      }
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end("<!doctype html><html><body>some app</body></html>");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("/resume answered with HTML is 'not supported by this server', one line", async () => {
    const client = new MoorClient({ baseUrl });
    expect((await client.health()).healthy).toBe(true);
    const error = await client.resume("ses_1").then(
      () => undefined,
      (caught: Error & { code?: string }) => caught,
    );
    expect(error?.code).toBe("unsupported");
    expect(error?.message).toBe(
      "POST /session/ses_1/resume is not supported by this server (it answered with a web page)",
    );
  });
});
