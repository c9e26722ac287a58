// A real `moor serve`: a file changed on disk while an SSE client watches the project reaches it as
// `file.watcher.updated`; node_modules and .gitignore'd changes do not; and once the last client leaves, the
// server holds no more watches on the project (counted in the kernel's inotify tables, /proc/<pid>/fdinfo).
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { type ServeHandle, type SseItem, startServe, watchSse } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
beforeEach(() => {
  home = makeTempHome(llm.url);
});
afterEach(async () => {
  await server?.stop("SIGKILL");
  server = undefined;
});

/** How many inotify watches the process holds (Linux); undefined where /proc cannot tell. */
function inotifyWatches(pid: number): number | undefined {
  try {
    let count = 0;
    for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8");
      count += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
    }
    return count;
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  const deadline = Date.now() + 8000;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const watcherFiles = (items: SseItem[]) =>
  items.filter((item) => item.event.type === "file.watcher.updated").map((item) => String(item.event.properties.file));

describe("file.watcher.updated on a real server", () => {
  it("reports changes to a watching client, skips ignored ones, and stops watching when the client leaves", async () => {
    const project = home.project;
    writeFileSync(join(project, ".gitignore"), "*.log\n");
    mkdirSync(join(project, "node_modules"));
    mkdirSync(join(project, "src"));
    server = await startServe(home.env, [], project);
    const pid = server.child.pid as number;
    const before = inotifyWatches(pid);

    const seen: SseItem[] = [];
    const changed = join(project, "src", "changed.ts");
    const sentinel = join(project, "sentinel.txt");
    const stream = watchSse(`${server.url}/event?directory=${encodeURIComponent(project)}`, {
      until: (items) => {
        seen.splice(0, seen.length, ...items);
        return watcherFiles(items).includes(sentinel);
      },
    });
    await stream.connected;
    // The watcher reads the tree once the stream opens: write until the change is seen.
    let version = 0;
    await until("the first event", () => {
      writeFileSync(changed, `v${version++}`);
      return watcherFiles(seen).includes(changed);
    });
    const event = seen.find((item) => item.event.properties.file === changed)?.event;
    expect(event?.properties).toMatchObject({ file: changed });
    expect(["add", "change"]).toContain(event?.properties.event);
    if (before !== undefined) expect(inotifyWatches(pid)).toBeGreaterThan(before);

    writeFileSync(join(project, "node_modules", "dep.js"), "x");
    writeFileSync(join(project, "debug.log"), "x");
    writeFileSync(sentinel, "x");
    const items = await stream.done;
    const files = watcherFiles(items);
    expect(files).toContain(sentinel);
    expect(files.filter((file) => file.includes("node_modules") || file.endsWith(".log"))).toEqual([]);

    // The client has gone: the server's watches on the project go too.
    if (before !== undefined) await until("the watches to end", () => inotifyWatches(pid) === before);
  });

  it("OpenCode's SDK reads the file routes in its shapes", async () => {
    const project = home.project;
    mkdirSync(join(project, "src"));
    writeFileSync(join(project, "src", "app.ts"), "export const needle = 1;\n");
    server = await startServe(home.env, [], project);
    const client = createOpencodeClient({ baseUrl: server.url, directory: project });
    const list = await client.file.list({ query: { path: "src" } });
    expect(list.data).toEqual([
      { name: "app.ts", path: "src/app.ts", absolute: join(project, "src", "app.ts"), type: "file", ignored: false },
    ]);
    expect((await client.file.read({ query: { path: "src/app.ts" } })).data).toEqual({
      type: "text",
      content: "export const needle = 1;\n",
    });
    const found = await client.find.text({ query: { pattern: "needle" } });
    expect(found.data?.[0]).toMatchObject({ path: { text: "src/app.ts" }, line_number: 1 });
    expect((await client.find.files({ query: { query: "app" } })).data).toContain("src/app.ts");
    expect((await client.file.status()).data).toEqual([]);
    const outside = await client.file.read({ query: { path: "../../etc/passwd" } });
    expect(outside.response.status).toBe(403);
  });
});
