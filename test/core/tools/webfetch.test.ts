// webfetch against a real HTTP server on loopback: conversion, redirects, limits and refusals.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWebFetchTool, MAX_BODY_BYTES } from "../../../src/core/tools/webfetch.js";
import { makeContext } from "./context.js";

const PAGE = `<!doctype html><html><head><title>T</title><style>body{color:red}</style>
<script>alert("x")</script></head><body><h1>Hello</h1><p>Some <strong>bold</strong> and a
<a href="https://example.com/x">link</a>.</p><ul><li>one</li><li>two</li></ul></body></html>`;

let server: Server;
let base: string;
let bodyChunksSent = 0;
const open = new Set<ServerResponse>();

function handle(req: IncomingMessage, res: ServerResponse) {
  const path = req.url ?? "/";
  if (path === "/page") {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(PAGE);
  } else if (path === "/plain") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("just text");
  } else if (path === "/loop") {
    res.writeHead(302, { location: "/loop" });
    res.end();
  } else if (path === "/hop") {
    res.writeHead(301, { location: "/page" });
    res.end();
  } else if (path === "/to-file") {
    res.writeHead(302, { location: "file:///etc/passwd" });
    res.end();
  } else if (path === "/huge") {
    // No Content-Length: the limit must hold while streaming. The server would send 20 MB if read to the end.
    res.writeHead(200, { "content-type": "text/plain" });
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < 20 * 1024 * 1024) {
        sent += chunk.length;
        bodyChunksSent++;
        if (!res.write(chunk)) return void res.once("drain", pump);
      }
      res.end();
    };
    res.on("close", () => res.removeAllListeners("drain"));
    pump();
  } else if (path === "/declared-huge") {
    res.writeHead(200, { "content-type": "text/plain", "content-length": String(MAX_BODY_BYTES + 1) });
    res.write("a");
  } else if (path === "/image") {
    res.writeHead(200, { "content-type": "image/png" });
    res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0]));
  } else if (path === "/untyped-binary") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(Buffer.from([1, 2, 0, 3, 0]));
  } else if (path === "/hang") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.write("partial");
    open.add(res);
  } else {
    res.writeHead(404);
    res.end("no");
  }
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const tool = createWebFetchTool();

describe("webfetch", () => {
  it("converts HTML to markdown, dropping scripts and styles, and asks the webfetch permission", async () => {
    const ctx = makeContext();
    const result = await tool.execute({ url: `${base}/page`, format: "markdown" }, ctx);
    expect(result.output).toContain("# Hello");
    expect(result.output).toContain("**bold**");
    expect(result.output).toContain("[link](https://example.com/x)");
    expect(result.output).toContain("-   one");
    expect(result.output).not.toContain("alert");
    expect(result.output).not.toContain("color:red");
    expect(result.output).not.toContain("<");
    expect(ctx.asks).toEqual([expect.objectContaining({ permission: "webfetch", patterns: [`${base}/page`] })]);
  });

  it("gives text without tags, and html as sent", async () => {
    const text = await tool.execute({ url: `${base}/page`, format: "text" }, makeContext());
    expect(text.output).toContain("Hello");
    expect(text.output).toContain("Some bold and a\nlink.");
    expect(text.output).not.toMatch(/<|alert|color:red/);
    const html = await tool.execute({ url: `${base}/page`, format: "html" }, makeContext());
    expect(html.output).toBe(PAGE);
    const plain = await tool.execute({ url: `${base}/plain`, format: "markdown" }, makeContext());
    expect(plain.output).toBe("just text");
  });

  it("follows a redirect and ends a redirect loop with a clear error", async () => {
    const hop = await tool.execute({ url: `${base}/hop`, format: "markdown" }, makeContext());
    expect(hop.output).toContain("# Hello");
    expect(hop.metadata.url).toBe(`${base}/page`);
    await expect(tool.execute({ url: `${base}/loop`, format: "markdown" }, makeContext())).rejects.toThrow(
      /Too many redirects/,
    );
  });

  it("refuses non-http URLs, before asking, and a redirect to one", async () => {
    const ctx = makeContext();
    await expect(tool.execute({ url: "file:///etc/passwd", format: "text" }, ctx)).rejects.toThrow(
      /must start with http:\/\/ or https:\/\//,
    );
    await expect(tool.execute({ url: "not a url", format: "text" }, ctx)).rejects.toThrow(/not a valid URL/);
    expect(ctx.asks).toEqual([]);
    await expect(tool.execute({ url: `${base}/to-file`, format: "text" }, makeContext())).rejects.toThrow(
      /Redirect target must start with http/,
    );
  });

  it("refuses an oversized body while streaming it, and one whose length says so", async () => {
    bodyChunksSent = 0;
    await expect(tool.execute({ url: `${base}/huge`, format: "text" }, makeContext())).rejects.toThrow(
      /too large.*5 MB/,
    );
    // Stopped near the limit: far less than the 20 MB the server would have sent.
    expect(bodyChunksSent * 64 * 1024).toBeLessThan(12 * 1024 * 1024);
    await expect(tool.execute({ url: `${base}/declared-huge`, format: "text" }, makeContext())).rejects.toThrow(
      /too large/,
    );
  });

  it("refuses binary content by type and by its bytes", async () => {
    await expect(tool.execute({ url: `${base}/image`, format: "markdown" }, makeContext())).rejects.toThrow(
      /Binary content \(image\/png\)/,
    );
    await expect(tool.execute({ url: `${base}/untyped-binary`, format: "text" }, makeContext())).rejects.toThrow(
      /Binary content/,
    );
  });

  it("times out a body that never ends", async () => {
    await expect(tool.execute({ url: `${base}/hang`, format: "text", timeout: 0.3 }, makeContext())).rejects.toThrow(
      /timed out after 0.3 s/,
    );
  });

  it("is registered among the built-in tools and asks by default", async () => {
    const { createBuiltinTools } = await import("../../../src/core/tools/index.js");
    const { DEFAULT_ACTIONS } = await import("../../../src/core/permission-rules.js");
    const names = createBuiltinTools({ commandEnv: () => ({}), todos: {} as never }).map((t) => t.name);
    expect(names).toContain("webfetch");
    expect(DEFAULT_ACTIONS.webfetch).toBe("ask");
  });
});

describe("webfetch in an editor", () => {
  it("is shown over ACP as a fetch", async () => {
    const { toolKind } = await import("../../../src/acp/mapping.js");
    expect(toolKind("webfetch")).toBe("fetch");
  });
});
