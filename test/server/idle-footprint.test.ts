// What an idle `moor serve` loads: Node's fetch implementation (undici, with node:http2, ~5 MB resident) stays
// unloaded while the server answers plain requests (src/server/lazy-fetch-classes.ts, DESIGN.md §6's idle budget).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { makeTempHome } from "../fakes/config.js";
import { startServe } from "../fakes/serve.js";

const home = makeTempHome("http://127.0.0.1:9/v1");
afterAll(() => rmSync(home.root, { recursive: true, force: true }));

describe("an idle server's footprint", () => {
  it("answers reads, a create and a client's mistake without loading undici or node:http2", async () => {
    const record = join(home.root, "modules.json");
    const preload = join(home.root, "record-modules.cjs");
    writeFileSync(
      preload,
      `process.on("exit", () => require("node:fs").writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.moduleLoadList)));`,
    );
    const server = await startServe({ ...home.env, NODE_OPTIONS: `--require ${preload}` }, [], home.project);
    const json = { "content-type": "application/json" };
    const statuses = [
      (await fetch(`${server.url}/global/health`)).status,
      (await fetch(`${server.url}/session`)).status,
      (await fetch(`${server.url}/config`)).status,
      (await fetch(`${server.url}/doc`)).status,
      (await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{}" })).status,
      (await fetch(`${server.url}/session`, { method: "POST", headers: json, body: "{oops" })).status,
      (await fetch(`${server.url}/session/ses_missing`)).status,
    ];
    expect(statuses).toEqual([200, 200, 200, 200, 200, 400, 404]);
    expect(await server.stop()).toBe(0);
    const modules: string[] = JSON.parse(readFileSync(record, "utf8"));
    expect(modules).toContain("NativeModule http"); // the record is the server's
    expect(modules.filter((name) => /undici|http2/.test(name))).toEqual([]);
  });
});
