// Commands whose words do not say what will run: code in a string (`sh -c`, `eval`, `python -c`), another command
// run on their behalf (`sudo`, `env`, `xargs`, `timeout`, `find -exec`), or a name only known when it runs
// (`$CMD x`). They are asked every time: no grant covers them and no "always" rule is offered for them.

/** Run the command (or the code) their arguments name. */
const RUNS_ITS_ARGUMENTS = new Set([
  "eval",
  "exec",
  "source",
  ".",
  "command",
  "builtin",
  "coproc",
  "time",
  "env",
  "sudo",
  "doas",
  "su",
  "nohup",
  "nice",
  "ionice",
  "timeout",
  "stdbuf",
  "setsid",
  "chroot",
  "xargs",
  "parallel",
  "watch",
  "flock",
  "unbuffer",
  "strace",
  "ltrace",
  "script",
  "busybox",
  "trap",
  // Evaluate arithmetic, where an array subscript may hide a `$(…)`; `hash -p` redirects a later command name.
  "let",
  "hash",
]);

/** With no script file as first argument they read code from an option (`-c`, `-e`) or from stdin. */
const INTERPRETERS = new Set([
  "sh",
  "bash",
  "zsh",
  "dash",
  "ksh",
  "ash",
  "fish",
  "csh",
  "tcsh",
  "python",
  "python2",
  "python3",
  "node",
  "nodejs",
  "ruby",
  "perl",
  "php",
  "lua",
  "bun",
  "deno",
]);

const FIND_RUNS = new Set(["-exec", "-execdir", "-ok", "-okdir", "-delete"]);

/** `words` as the shell sees them, undefined where not literal; words[0] is the command name. */
export function isOpaque(words: (string | undefined)[]): boolean {
  const [name, first] = words;
  if (name === undefined) return true;
  const base = name.slice(name.lastIndexOf("/") + 1);
  if (RUNS_ITS_ARGUMENTS.has(base)) return true;
  if (INTERPRETERS.has(base)) {
    // `python -m module` names what runs; `deno eval`/`bun -e` and friends do not.
    if (first === "-m" && base.startsWith("python")) return false;
    return first === undefined || first.startsWith("-") || first === "eval";
  }
  if (base === "find") return words.some((word) => word === undefined || FIND_RUNS.has(word));
  return false;
}
