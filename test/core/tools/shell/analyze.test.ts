import { describe, expect, it } from "vitest";
import { analyzeCommand } from "../../../../src/core/tools/shell/analyze.js";

const texts = async (source: string) => (await analyzeCommand(source)).commands.map((command) => command.text);
const rules = async (source: string) => (await analyzeCommand(source)).commands.map((command) => command.rule);
const opaque = async (source: string) => (await analyzeCommand(source)).commands.map((command) => command.opaque);
const writes = async (source: string) => (await analyzeCommand(source)).writes;

describe("shell command analysis: every sub-command on its own", () => {
  it.each([
    ["echo p > f; touch g", ["echo p", "touch g"]],
    ["a && b || c", ["a", "b", "c"]],
    ["ls | grep x | wc -l", ["ls", "grep x", "wc -l"]],
    ["echo a\ntouch b", ["echo a", "touch b"]],
    ["(cd sub && make)", ["cd sub", "make"]],
    ["{ a; b; }", ["a", "b"]],
    ["echo $(rm x)", ["echo $(rm x)", "rm x"]],
    ["echo `rm x`", ["echo `rm x`", "rm x"]],
    ['echo "a $(rm x) b"', ['echo "a $(rm x) b"', "rm x"]],
    ["diff <(ls a) >(cat)", ["diff <(ls a) >(cat)", "ls a", "cat"]],
    ["if test -f x; then rm x; elif y; then z; else w; fi", ["test -f x", "rm x", "y", "z", "w"]],
    ["for f in $(ls); do rm $f; done", ["ls", "rm $f"]],
    ["while read l; do echo $l; done < in", ["read l", "echo $l"]],
    ["case $x in a) rm y;; *) echo z;; esac", ["rm y", "echo z"]],
    ["f() { rm -rf x; }; f", ["rm -rf x", "f"]],
    ["! grep -q x f", ["grep -q x f"]],
    ["x=$(whoami)", ["x=$(whoami)", "whoami"]],
    ["export A=1 B=$(id)", ["export A=1 B=$(id)", "id"]],
    ["[[ -n $(rm x) ]] && echo y", ["rm x", "echo y"]],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a template.
    ["echo ${v:-$(rm x)} $((1 + $(id -u)))", ["echo ${v:-$(rm x)} $((1 + $(id -u)))", "rm x", "id -u"]],
    ["cat <<EOF\n$(rm x)\nEOF", ["cat", "rm x"]],
    ["cat <<< $(rm x)", ["cat", "rm x"]],
    ["FOO=1 git status -s", ["FOO=1 git status -s"]],
    ['"rm" -rf x; \\rm y; r""m z', ["rm -rf x", "rm y", "rm z"]],
  ])("%j", async (source, expected) => {
    expect(await texts(source)).toEqual(expected);
  });

  it("a line the grammar cannot read is not understood", async () => {
    for (const source of [
      'echo "unterminated',
      "echo a <>f",
      "if then fi",
      "echo )",
      "rm > /dev/null -rf x",
      "cat <<EOF -n\nx\nEOF",
    ]) {
      expect((await analyzeCommand(source)).understood, source).toBe(false);
    }
    expect((await analyzeCommand("echo fine")).understood).toBe(true);
  });
});

describe("the rule an always answer stores", () => {
  it.each([
    ["echo hi", "echo *"],
    ["ls -la src", "ls *"],
    ["git status", "git status *"],
    ["git status -s", "git status *"],
    ["git", "git"],
    ["git -C x status", undefined],
    ["npm run build -- --watch", "npm run build *"],
    ["npm test", "npm test *"],
    ["gh pr list --limit 3", "gh pr list *"],
    ["python3 -m pytest -q", "python3 -m pytest *"],
    ["node script.js --x", "node script.js *"],
    ["CI=1 npm test", "CI=1 npm test *"],
    ["X=$(id) npm test", undefined],
    ["$CMD x", undefined],
    ["ls *.ts", "ls *"],
    ["cat 'a*b'", "cat *"],
    ["'git' \"status\"", "git status *"],
  ])("%j → %j", async (source, expected) => {
    expect((await rules(source))[0]).toBe(expected);
  });
});

describe("opaque commands", () => {
  it.each([
    ["bash -c 'rm x'", true],
    ['sh -c "echo"', true],
    ['eval "$x"', true],
    [". ./env.sh", true],
    ["source x", true],
    ["sudo rm x", true],
    ["env FOO=1 rm x", true],
    ["xargs rm", true],
    ["timeout 5 npm test", true],
    ["python -c 'print(1)'", true],
    ["node -e 'x'", true],
    ["python3", true],
    ["find . -name x -delete", true],
    ["find . -exec rm {} ;", true],
    ["$CMD x", true],
    ["$(echo rm) x", true],
    ["let 'a[$(id)]=1'", true],
    ["bash script.sh", false],
    ["python3 -m pytest", false],
    ["find . -name '*.ts'", false],
    ["git status", false],
  ])("%j → %j", async (source, expected) => {
    expect((await opaque(source))[0]).toBe(expected);
  });
});

describe("redirections that write", () => {
  it("reports each write target; reads, fd duplications and /dev/null are not writes", async () => {
    expect(await writes("echo a > f >> g 2> h &> i &>> j >| k >&l")).toEqual(
      ["f", "g", "h", "i", "j", "k", "l"].map((name) => ({ raw: name, path: name })),
    );
    expect(await writes("cmd < in 2>&1 >&2 > /dev/null 2>/dev/null <<< x")).toEqual([]);
    expect(await writes(">f echo hi")).toEqual([{ raw: "f", path: "f" }]);
    expect(await writes("cat <<EOF > out.txt\nhi\nEOF")).toEqual([{ raw: "out.txt", path: "out.txt" }]);
    expect(await writes("echo $(echo x > inner)")).toEqual([{ raw: "inner", path: "inner" }]);
    expect(await writes("echo x | tee -a log.txt")).toEqual([{ raw: "log.txt", path: "log.txt" }]);
    expect(await writes("echo x | /usr/bin/tee log.txt")).toEqual([{ raw: "log.txt", path: "log.txt" }]);
    expect(await writes("echo > '/abs/a b'")).toEqual([{ raw: "'/abs/a b'", path: "/abs/a b" }]);
  });

  it("a command run by its path is also given by its name, text and rule", async () => {
    const byName = async (source: string) => (await analyzeCommand(source)).commands.map((command) => command.byName);
    expect(await byName('CI=1 /bin/rm -rf x; "/usr/bin/git" status -s; rm y')).toEqual([
      { text: "CI=1 rm -rf x", rule: "CI=1 rm *" },
      { text: "git status -s", rule: "git status *" },
      undefined,
    ]);
    // Opaque commands are asked every time anyway: no by-name form to judge.
    expect(await byName("/usr/bin/sudo rm x")).toEqual([undefined]);
  });

  it("a target the shell still changes is unknown", async () => {
    for (const source of [
      "echo > $OUT",
      "echo >&$f",
      "echo > ~/x",
      "echo > *.txt",
      "echo > $(mktemp)",
      "echo > {a,b}",
    ]) {
      expect(await writes(source), source).toEqual([{ raw: expect.any(String) }]);
    }
  });

  it("relative targets follow a cd only where it certainly ran before them", async () => {
    expect(await writes("cd sub && echo > f")).toEqual([{ raw: "f", path: "sub/f" }]);
    expect(await writes("cd sub && cd /tmp && echo > f")).toEqual([{ raw: "f", path: "/tmp/f" }]);
    expect(await writes("echo > f && cd sub")).toEqual([{ raw: "f", path: "f" }]);
    // A cd's own redirection is opened before it changes directory.
    expect(await writes("cd /tmp && cd sub > f")).toEqual([{ raw: "f", path: "/tmp/f" }]);
    for (const source of [
      "cd sub; echo > f",
      "cd sub || echo > f",
      "cd sub && x; echo > f",
      "(cd sub) && echo > f",
      "for d in a; do cd $d; done; echo > f",
      "pushd sub && echo > f",
      "cd && echo > f",
      "cd ~/x && echo > f",
    ]) {
      expect(await writes(source), source).toEqual([{ raw: "f" }]);
    }
  });
});
