// OpenCode's file routes on a real core and a temp git project: each route's shape, and every path confined to the
// request's directory (`..`, absolute paths and symlinks leading out are refused with a 4xx).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMoorApp } from "../../src/server/app.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

let fixture: CoreFixture;
let project: string;
let plain: string;
let outside: string;
let app: ReturnType<typeof createMoorApp>["app"];

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", ...args], {
    cwd,
    stdio: "pipe",
  });

beforeAll(async () => {
  fixture = await openCoreFixture({ prefix: "file-routes" });
  const base = mkdtempSync(join(tmpdir(), "moor-file-routes-"));
  project = join(base, "project");
  plain = join(base, "plain");
  outside = join(base, "outside");
  for (const dir of [project, plain, outside]) mkdirSync(dir);
  writeFileSync(join(outside, "secret.txt"), "secret\n");
  mkdirSync(join(project, "src"));
  mkdirSync(join(project, "node_modules"));
  mkdirSync(join(project, "dist"));
  writeFileSync(join(project, ".gitignore"), "dist/\n*.log\n");
  writeFileSync(join(project, "src", "main.ts"), "export const alpha = 1;\nexport const beta = 2;\n");
  writeFileSync(join(project, "README.md"), "hello\nworld\n");
  writeFileSync(join(project, "gone.txt"), "a\nb\nc\n");
  writeFileSync(join(project, "node_modules", "dep.js"), "export const alpha = 'dep';\n");
  writeFileSync(join(project, "dist", "out.js"), "alpha\n");
  git(project, "init", "-q");
  git(project, "add", "-A");
  git(project, "commit", "-qm", "init");
  // After the commit: one file changed (+2 -1), one deleted, one new, one ignored.
  writeFileSync(
    join(project, "src", "main.ts"),
    "export const alpha = 10;\nexport const beta = 2;\nexport const gamma = 3;\n",
  );
  unlinkSync(join(project, "gone.txt"));
  writeFileSync(join(project, "new.txt"), "one\ntwo\n");
  writeFileSync(join(project, "debug.log"), "noise alpha\n");
  writeFileSync(join(project, "image.png"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]));
  symlinkSync(join(outside, "secret.txt"), join(project, "escape.txt"));
  symlinkSync(outside, join(project, "escape-dir"));
  symlinkSync("loop", join(plain, "loop"));
  writeFileSync(join(plain, "notes.txt"), "alpha in a plain folder\n");
  app = createMoorApp({ core: fixture.core, version: "test", defaultDirectory: project }).app;
});
afterAll(async () => {
  await fixture.close();
  rmSync(join(project, ".."), { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: route bodies of several shapes, checked by the assertions
async function get(path: string): Promise<{ status: number; body: any }> {
  const response = await app.request(path);
  return { status: response.status, body: await response.json() };
}
const q = encodeURIComponent;

describe("GET /file", () => {
  it("lists a directory in OpenCode's FileNode shape: directories first, ignored ones marked, no .git", async () => {
    const { status, body } = await get("/file?path=.");
    expect(status).toBe(200);
    const names = body.map((node: { name: string }) => node.name);
    expect(names).not.toContain(".git");
    const byName = Object.fromEntries(body.map((node: { name: string }) => [node.name, node]));
    expect(byName.src).toEqual({
      name: "src",
      path: "src",
      absolute: join(project, "src"),
      type: "directory",
      ignored: false,
    });
    expect(byName.dist).toMatchObject({ type: "directory", ignored: true });
    expect(byName.node_modules).toMatchObject({ type: "directory", ignored: true });
    expect(byName["debug.log"]).toMatchObject({ type: "file", ignored: true });
    expect(byName["README.md"]).toMatchObject({ type: "file", ignored: false, path: "README.md" });
    // Links are listed as what they lead to; following one out is refused (below).
    expect(byName["escape-dir"]).toMatchObject({ type: "directory" });
    expect(byName["escape.txt"]).toMatchObject({ type: "file" });
    const firstFile = body.findIndex((node: { type: string }) => node.type === "file");
    expect(body.slice(firstFile).every((node: { type: string }) => node.type === "file")).toBe(true);
  });

  it("lists a subdirectory with paths relative to the project", async () => {
    const { body } = await get("/file?path=src");
    expect(body).toEqual([
      { name: "main.ts", path: "src/main.ts", absolute: join(project, "src", "main.ts"), type: "file", ignored: false },
    ]);
  });

  it("refuses `..`, absolute paths and symlinks that lead outside the directory", async () => {
    for (const path of ["..", "../outside", outside, "/", "src/../..", "escape-dir"]) {
      const { status, body } = await get(`/file?path=${q(path)}`);
      expect(status, path).toBe(403);
      expect(body.error.code).toBe("forbidden");
    }
  });

  it("answers 404 for a missing directory and 400 without a path to a file", async () => {
    expect((await get("/file?path=nope")).status).toBe(404);
    expect((await get("/file?path=README.md")).status).toBe(400);
  });

  it("is confined to the directory the request names, not the server's", async () => {
    const { status, body } = await get(`/file?path=.&directory=${q(plain)}`);
    expect(status).toBe(200);
    expect(body.map((node: { path: string }) => node.path)).toEqual(["loop", "notes.txt"]);
    expect((await get(`/file?path=${q("../project")}&directory=${q(plain)}`)).status).toBe(403);
  });
});

describe("GET /file/content", () => {
  it("returns text as {type:'text', content}", async () => {
    const { status, body } = await get("/file/content?path=README.md");
    expect(status).toBe(200);
    expect(body).toEqual({ type: "text", content: "hello\nworld\n" });
  });

  it("adds the diff and structured patch against HEAD for a changed tracked file", async () => {
    const { body } = await get("/file/content?path=src/main.ts");
    expect(body.content).toBe("export const alpha = 10;\nexport const beta = 2;\nexport const gamma = 3;\n");
    expect(body.diff).toContain("-export const alpha = 1;\n+export const alpha = 10;");
    expect(body.patch).toEqual({
      oldFileName: "src/main.ts",
      newFileName: "src/main.ts",
      hunks: [
        {
          oldStart: 1,
          oldLines: 2,
          newStart: 1,
          newLines: 3,
          lines: [
            "-export const alpha = 1;",
            "+export const alpha = 10;",
            " export const beta = 2;",
            "+export const gamma = 3;",
          ],
        },
      ],
    });
    // Unchanged and untracked files have neither.
    expect(Object.keys((await get("/file/content?path=new.txt")).body)).toEqual(["type", "content"]);
  });

  it("returns a binary file as base64 with its mime type", async () => {
    const { body } = await get("/file/content?path=image.png");
    expect(body).toEqual({
      type: "binary",
      content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3]).toString("base64"),
      encoding: "base64",
      mimeType: "image/png",
    });
  });

  it("refuses a file over 5 MB with 413 instead of reading it", async () => {
    writeFileSync(join(plain, "big.txt"), Buffer.alloc(5 * 1024 * 1024 + 1, 97));
    const { status, body } = await get(`/file/content?path=big.txt&directory=${q(plain)}`);
    expect(status).toBe(413);
    expect(body.error.code).toBe("payload_too_large");
    expect(body.error.message).toMatch(/5 MB/);
  });

  it("refuses paths outside the directory, a symlink out included, and needs a path", async () => {
    for (const path of ["../outside/secret.txt", join(outside, "secret.txt"), "escape.txt", "/etc/passwd"]) {
      const { status, body } = await get(`/file/content?path=${q(path)}`);
      expect(status, path).toBe(403);
      expect(JSON.stringify(body)).not.toContain("secret\\n");
    }
    expect((await get("/file/content")).status).toBe(400);
    expect((await get("/file/content?path=missing.txt")).status).toBe(404);
    expect((await get("/file/content?path=src")).status).toBe(400);
    // A link loop is the client's problem, answered as such.
    const loop = await get(`/file/content?path=loop&directory=${q(plain)}`);
    expect(loop.status).toBe(400);
    expect(loop.body.error.message).toMatch(/symbolic links/);
  });
});

describe("GET /file/status", () => {
  it("lists files changed since HEAD with lines added and removed", async () => {
    const { status, body } = await get("/file/status");
    expect(status).toBe(200);
    expect(body).toContainEqual({ path: "src/main.ts", added: 2, removed: 1, status: "modified" });
    expect(body).toContainEqual({ path: "gone.txt", added: 0, removed: 3, status: "deleted" });
    expect(body).toContainEqual({ path: "new.txt", added: 2, removed: 0, status: "added" });
    expect(body.map((file: { path: string }) => file.path)).not.toContain("debug.log");
  });

  it("answers [] outside a git work tree", async () => {
    expect(await get(`/file/status?directory=${q(plain)}`)).toEqual({ status: 200, body: [] });
  });
});

describe("GET /vcs", () => {
  it("names the branch, and nothing outside git", async () => {
    expect(await get("/vcs")).toEqual({ status: 200, body: { branch: "main" } });
    expect(await get(`/vcs?directory=${q(plain)}`)).toEqual({ status: 200, body: {} });
  });
});

describe("GET /find", () => {
  it("returns ripgrep's match records, skipping ignored files and node_modules", async () => {
    const { status, body } = await get("/find?pattern=alpha");
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        path: { text: "src/main.ts" },
        lines: { text: "export const alpha = 10;\n" },
        line_number: 1,
        absolute_offset: 0,
        submatches: [{ match: { text: "alpha" }, start: 13, end: 18 }],
      },
    ]);
  });

  it("refuses a bad pattern with 400 and a missing one too", async () => {
    expect((await get(`/find?pattern=${q("(")}`)).status).toBe(400);
    expect((await get("/find")).status).toBe(400);
  });
});

describe("GET /find/file", () => {
  it("finds files and directories by a fuzzy query, best first", async () => {
    const { status, body } = await get("/find/file?query=main");
    expect(status).toBe(200);
    expect(body[0]).toBe("src/main.ts");
    expect((await get("/find/file?query=sr&type=directory")).body).toEqual(["src/"]);
    const all = (await get("/find/file?query=&limit=200")).body as string[];
    expect(all).toContain("README.md");
    expect(
      all.some((path) => path.startsWith("node_modules") || path.startsWith("dist") || path.endsWith(".log")),
    ).toBe(false);
  });

  it("validates its query", async () => {
    expect((await get("/find/file")).status).toBe(400);
    expect((await get("/find/file?query=a&limit=0")).status).toBe(400);
  });
});

describe("openapi", () => {
  it("documents the file routes", async () => {
    const { body } = await get("/doc");
    for (const path of ["/file", "/file/content", "/file/status", "/find", "/find/file", "/vcs"]) {
      expect(body.paths[path]?.get, path).toBeDefined();
    }
  });
});
