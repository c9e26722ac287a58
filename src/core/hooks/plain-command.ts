// A hook command the shell would only split into words: `prettier --write src`, `./notify.sh 'build done'`. Such a
// command is executed directly, one program start instead of two (`/bin/sh`, then the program). The rule is POSIX
// sh's own and deliberately narrow, so the direct run is exactly what `/bin/sh -c` would have done: words of
// characters no shell treats specially, quoted with '...' or with "..." holding nothing the shell expands, and a
// first word that names a program (not an assignment, nor a shell builtin or keyword, whose behaviour differs from
// a program of the same name, `echo` for one). Anything else (variables, globs, `~`, pipes, redirections, `;`, `#`,
// backslashes, newlines) answers undefined and runs through the shell. Synchronous and without the bash grammar
// (tools/shell/parser.ts loads it as wasm): it runs on every hook.

/** Characters the shell takes literally in an unquoted word (no glob, tilde, brace, comment or operator meaning). */
const LITERAL = /[A-Za-z0-9_@%+=:,./-]/;

/** sh and bash builtins and reserved words: a command starting with one of them runs in the shell. */
const SHELL_WORDS = new Set(
  (
    "! . : [ [[ ]] { } alias bg bind break builtin caller case cd command compgen complete continue declare dirs " +
    "disown do done echo elif else enable esac eval exec exit export false fc fg fi for function getopts hash help " +
    "history if in jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return select " +
    "set shift shopt source suspend test then time times trap true type typeset ulimit umask unalias unset until " +
    "wait while"
  ).split(" "),
);

/** The program and its arguments, as `/bin/sh -c command` would run them; undefined when the shell must run it. */
export function plainCommand(command: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let i = 0;
  while (i < command.length) {
    const char = command[i];
    if (char === " " || char === "\t") {
      if (word !== undefined) words.push(word);
      word = undefined;
      i++;
    } else if (char === "'") {
      const end = command.indexOf("'", i + 1);
      if (end === -1) return undefined;
      word = (word ?? "") + command.slice(i + 1, end);
      i = end + 1;
    } else if (char === '"') {
      const end = command.indexOf('"', i + 1);
      if (end === -1) return undefined;
      const quoted = command.slice(i + 1, end);
      if (/[$`\\]/.test(quoted)) return undefined;
      word = (word ?? "") + quoted;
      i = end + 1;
    } else if (LITERAL.test(char)) {
      word = (word ?? "") + char;
      i++;
    } else {
      return undefined;
    }
  }
  if (word !== undefined) words.push(word);
  const program = words[0];
  // The first word as written: `NAME=value cmd` is an assignment, a quoted builtin name is still the builtin.
  if (
    program === undefined ||
    program === "" ||
    SHELL_WORDS.has(program) ||
    /^[A-Za-z_][A-Za-z0-9_]*=/.test(first(command))
  ) {
    return undefined;
  }
  return words;
}

/** The command's first word as written (up to the first blank). */
function first(command: string): string {
  return command.trimStart().split(/[ \t]/, 1)[0];
}
