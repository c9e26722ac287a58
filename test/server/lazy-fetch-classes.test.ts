// The stand-ins for Node's fetch classes (src/server/lazy-fetch-classes.ts), each case in a fresh Node process:
// the globals they replace exist once per process, and whether undici has loaded is the thing under test.
import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const MODULE = pathToFileURL(resolve("dist/server/lazy-fetch-classes.js")).href;

/** Runs `body` (an ES module's code, with `undiciLoaded()` and the module imported first) and returns its JSON. */
async function inFreshNode(body: string): Promise<Record<string, unknown>> {
  const script = `
    import ${JSON.stringify(MODULE)};
    const undiciLoaded = () => process.moduleLoadList.includes("NativeModule internal/deps/undici/undici");
    const out = {};
    ${body}
    process.stdout.write(JSON.stringify(out));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", script], { cwd: resolve(".") });
  return JSON.parse(stdout);
}

describe("lazy fetch classes", () => {
  it("lets @hono/node-server load and serve a JSON reply without loading undici", async () => {
    const out = await inFreshNode(`
      const { getRequestListener } = await import("@hono/node-server");
      const { Hono } = await import("hono");
      const { createServer, get } = await import("node:http");
      out.afterImport = undiciLoaded();
      const app = new Hono().get("/", (c) => c.json({ ok: true, agent: c.req.header("user-agent") }));
      const server = createServer(getRequestListener(app.fetch)).listen(0, "127.0.0.1");
      await new Promise((done) => server.once("listening", done));
      out.reply = await new Promise((done) =>
        get({ port: server.address().port, headers: { "user-agent": "probe" } }, (res) => {
          let text = "";
          res.on("data", (chunk) => (text += chunk));
          res.on("end", () => done(JSON.parse(text)));
        }),
      );
      out.afterRequest = undiciLoaded();
      server.close();
    `);
    expect(out).toEqual({ afterImport: false, reply: { ok: true, agent: "probe" }, afterRequest: false });
  });

  it("becomes the real class at first use: construction, subclassing, statics and instanceof", async () => {
    const out = await inFreshNode(`
      out.before = undiciLoaded();
      const headers = new Headers({ a: "1" });
      out.afterConstruct = undiciLoaded();
      headers.append("b", "2");
      out.headers = [...headers];
      out.headersInstance = headers instanceof Headers;
      class Named extends Request {}
      const request = new Named("http://example.test/x", { method: "POST", body: "payload" });
      out.request = [request instanceof Named, request instanceof Request, request.method, await request.text()];
      const json = Response.json({ x: 1 }, { status: 201 });
      out.json = [json instanceof Response, json.status, await json.json()];
      out.plainObjectIsNot = [{} instanceof Headers, {} instanceof Response];
      out.names = [Headers.name, Request.name, Response.name];
      try { Headers(); out.callWithoutNew = "allowed"; } catch (error) { out.callWithoutNew = error instanceof TypeError; }
    `);
    expect(out).toEqual({
      before: false,
      afterConstruct: true,
      headers: [
        ["a", "1"],
        ["b", "2"],
      ],
      headersInstance: true,
      request: [true, true, "POST", "payload"],
      json: [true, 201, { x: 1 }],
      plainObjectIsNot: [false, false],
      names: ["Headers", "Request", "Response"],
      callWithoutNew: true,
    });
  });

  it("recognises the objects fetch() makes when fetch is the first use", async () => {
    const out = await inFreshNode(`
      const { createServer } = await import("node:http");
      const server = createServer((req, res) => res.end("hello")).listen(0, "127.0.0.1");
      await new Promise((done) => server.once("listening", done));
      const response = await fetch("http://127.0.0.1:" + server.address().port + "/");
      out.result = [response instanceof Response, response.headers instanceof Headers, await response.text()];
      server.close();
    `);
    expect(out).toEqual({ result: [true, true, "hello"] });
  });
});
