// `moor import FILE` with what is not an export file: a device or a pipe (which never end, or may not), a file too
// large to hold, a document moor would not write. Each is refused in one line with a non-zero exit, before reading
// the file where its kind or size says enough, and the database is left as it was. A huge title prints shortened.
import { spawnSync } from "node:child_process";
import { closeSync, ftruncateSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { SessionExport } from "../../src/core/transfer.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type MoorResult, type MoorSpawnOptions, spawnMoor } from "../fakes/moor-process.js";

/** Runs moor, killing it (its own pid) if it has not ended in time: a read that never ends fails the test. */
async function runMoorWithin(args: string[], options: MoorSpawnOptions, ms = 15_000): Promise<MoorResult> {
  const child = spawnMoor(args, options);
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  try {
    await new Promise((resolve) => child.on("close", resolve));
  } finally {
    clearTimeout(timer);
  }
  return child.output();
}

describe("moor import: what it reads", () => {
  let home: TempHome;
  let run: (args: string[], input?: string) => Promise<MoorResult>;
  beforeEach(() => {
    home = makeTempHome("http://127.0.0.1:9/v1");
    run = (args, input) => runMoorWithin(args, { env: home.env, cwd: home.project, input });
  });
  afterEach(() => rmSync(home.root, { recursive: true, force: true }));

  function document(edit: (document: SessionExport) => void = () => {}): SessionExport {
    const exported: SessionExport = {
      info: {
        id: "ses_imported",
        slug: "imported",
        projectID: "global",
        directory: home.project,
        path: "",
        title: "imported",
        version: "0.1.0",
        time: { created: 1796148531386, updated: 1796148531645 },
      },
      messages: [
        {
          info: { id: "msg_imported", sessionID: "ses_imported", role: "user", time: { created: 1796148531487 } },
          parts: [
            { id: "prt_imported", sessionID: "ses_imported", messageID: "msg_imported", type: "text", text: "hi" },
          ],
        },
      ],
      todos: [],
    };
    edit(exported);
    return exported;
  }

  /** `moor import` of an export-shaped document changed by `edit`. */
  function importEdited(edit: (document: SessionExport) => void): Promise<MoorResult> {
    return run(["import", written(document(edit))]);
  }

  function written(content: SessionExport | string, name = "session.json"): string {
    const file = join(home.root, name);
    writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content, null, 2));
    return file;
  }

  async function expectNothingImported(): Promise<void> {
    const exported = await run(["export", "ses_imported"]);
    expect(exported.code).not.toBe(0);
    expect(exported.stderr).toMatch(/not found: ses_imported/);
  }

  it("refuses a device and a pipe by what they are, without reading them", async () => {
    const zero = await run(["import", "/dev/zero"]);
    expect(zero.signal).toBeNull();
    expect(zero.code).toBe(1);
    expect(zero.stderr).toBe(
      "moor: cannot import /dev/zero: it is a device, not a regular file (use - to read stdin)\n",
    );
    const fifo = join(home.root, "export.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    // No writer ever opens it: reading it would wait for ever.
    const piped = await run(["import", fifo]);
    expect(piped.signal).toBeNull();
    expect(piped.code).toBe(1);
    expect(piped.stderr).toBe(`moor: cannot import ${fifo}: it is a pipe, not a regular file (use - to read stdin)\n`);
    const directory = await run(["import", home.project]);
    expect(directory.stderr).toMatch(/^moor: cannot import .*: it is a directory, not a regular file/);
    expect(directory.code).toBe(1);
  });

  it("refuses a file over 256 MB by its size, saying the limit", async () => {
    // Sparse: 300 MB long, nothing on disk. Read, it would be 300 MB of NULs held in memory, then not JSON.
    const big = join(home.root, "big.json");
    const fd = openSync(big, "w");
    try {
      writeFileSync(fd, "{");
      // ftruncate extends the file with a hole.
      ftruncateSync(fd, 300 * 1024 * 1024);
    } finally {
      closeSync(fd);
    }
    const started = Date.now();
    const result = await run(["import", big]);
    expect(result.stderr).toBe(`moor: cannot import ${big}: it is 300 MB, more than the 256 MB an import reads\n`);
    expect(result.code).toBe(1);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("reads stdin for -, up to the same limit", async () => {
    const result = await run(["import", "-"], JSON.stringify(document()));
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe("Imported session ses_imported (imported)\n");
    expect(result.code).toBe(0);
    const exported = await run(["export", "ses_imported"]);
    expect(JSON.parse(exported.stdout)).toEqual(document());
  });

  it("refuses a relative directory in one line and leaves the database as it was", async () => {
    const result = await importEdited((d) => {
      d.info.directory = "project";
    });
    expect(result.stderr).toMatch(
      /^moor: not a moor session export: info\.directory: must be an absolute path as moor export writes it .*"project"\n$/,
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toBe("");
    await expectNothingImported();
  });

  it("refuses a negative time and a duplicate part id, naming where", async () => {
    const negative = await importEdited((d) => {
      d.messages[0].info.time.created = -1;
    });
    expect(negative.stderr).toMatch(/^moor: not a moor session export: messages\.0\.info\.time\.created: .* not -1\n$/);
    expect(negative.code).toBe(1);
    const twice = await importEdited((d) => {
      d.messages[0].parts.push({
        id: "prt_imported",
        sessionID: "ses_imported",
        messageID: "msg_imported",
        type: "text",
        text: "again",
      });
    });
    expect(twice.stderr).toBe(
      "moor: not a moor session export: messages.0.parts.1.id: part prt_imported appears twice\n",
    );
    expect(twice.code).toBe(1);
    await expectNothingImported();
  });

  it("imports a session whose parent is not stored as one of its own, with a warning", async () => {
    const result = await importEdited((d) => {
      d.info.parentID = "ses_elsewhere";
    });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^moor: warning: parent session ses_elsewhere is not stored here.*\n$/);
    const list = await run(["session", "list", "--format", "json"]);
    expect((JSON.parse(list.stdout) as { id: string }[]).map((session) => session.id)).toEqual(["ses_imported"]);
  });

  it("prints a long title shortened and without control characters, and stores it whole", async () => {
    const title = `\u001b]0;pwned\u0007${"x".repeat(5 * 1024 * 1024)}`;
    const file = written(
      document((d) => {
        d.info.title = title;
      }),
    );
    const result = await run(["import", file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`Imported session ses_imported ( ]0;pwned ${"x".repeat(70)}…)\n`);
    const exportedFile = join(home.root, "back.json");
    await run(["export", "ses_imported", "-o", exportedFile]);
    expect((JSON.parse(readFileSync(exportedFile, "utf8")) as SessionExport).info.title).toBe(title);
  });
});
