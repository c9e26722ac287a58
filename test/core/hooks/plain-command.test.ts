// Which hook commands run without /bin/sh: only those the shell would merely split into words, so the direct run
// is exactly what `sh -c` would have done.
import { describe, expect, it } from "vitest";
import { plainCommand } from "../../../src/core/hooks/plain-command.js";

describe("plainCommand", () => {
  it("splits words, with '...' and \"...\" quoting as the shell does", () => {
    expect(plainCommand("prettier --write src/a.ts")).toEqual(["prettier", "--write", "src/a.ts"]);
    expect(plainCommand("  ./notify.sh\t'build done'  ")).toEqual(["./notify.sh", "build done"]);
    expect(plainCommand(`notify-send "moor is idle" --urgency=low`)).toEqual([
      "notify-send",
      "moor is idle",
      "--urgency=low",
    ]);
    expect(plainCommand(`say 'it'"'"'s done'`)).toEqual(["say", "it's done"]);
    expect(plainCommand("curl -d x=1 http://127.0.0.1:8080/hook?a=1")).toBeUndefined(); // `?` globs
    expect(plainCommand("curl -d x=1 http://127.0.0.1:8080/hook")).toEqual([
      "curl",
      "-d",
      "x=1",
      "http://127.0.0.1:8080/hook",
    ]);
  });

  it("leaves anything the shell would expand, redirect or interpret to the shell", () => {
    for (const command of [
      "cat > out.json",
      "echo hi | wc -l",
      "a; b",
      "a && b",
      "notify $USER",
      'notify "$USER"',
      "notify `whoami`",
      "ls *.ts",
      "ls ~/bin",
      "run # comment",
      "FOO=1 run",
      "sleep 30 &",
      "run 'unterminated",
      'say "a\\"b"',
      "a\nb",
      "(sub)",
      "ls {a,b}",
    ]) {
      expect(plainCommand(command), command).toBeUndefined();
    }
  });

  it("leaves builtins and reserved words to the shell: they differ from programs of the same name", () => {
    for (const command of ["echo hi", "exit 2", "cd /tmp", "true", "test -f x", "if", "export A", "'echo' hi"]) {
      expect(plainCommand(command), command).toBeUndefined();
    }
    expect(plainCommand("")).toBeUndefined();
    expect(plainCommand("   ")).toBeUndefined();
  });
});
