/** @jsxImportSource preact */
// A deliberately small syntax highlighter: comments, strings, numbers and keywords of the common languages, enough
// to make code blocks readable. It produces text nodes and spans (never HTML strings), so nothing can be injected.
import type { ComponentChildren } from "preact";

const KEYWORDS = new Set(
  (
    "abstract as async await break case catch class const continue debugger def default defer del delete do elif " +
    "else enum export extends false fi final finally fn for from func function go if impl implements import in " +
    "instanceof interface is let loop match mod module mut new nil None not null or package pass private protected " +
    "pub public raise readonly return self select static struct super switch then this throw trait true True False " +
    "try type typeof undefined unsafe use var void where while with yield esac done echo local"
  ).split(" "),
);

/** Languages whose `#` starts a comment (elsewhere `#` is e.g. a private field or a preprocessor line). */
const HASH_COMMENTS = new Set([
  "sh",
  "bash",
  "zsh",
  "shell",
  "console",
  "python",
  "py",
  "ruby",
  "rb",
  "yaml",
  "yml",
  "toml",
  "perl",
  "r",
  "make",
  "makefile",
  "dockerfile",
  "ini",
  "conf",
]);

const BASE =
  /(\/\/[^\n]*|\/\*[\s\S]*?(?:\*\/|$))|("(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[\da-f]+\b)|([A-Za-z_$][\w$]*)/gi;
const WITH_HASH =
  /(#[^\n]*)|("(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?|`(?:\\.|[^`\\])*`?)|(\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[\da-f]+\b)|([A-Za-z_$][\w$]*)/gi;

export function highlight(code: string, language = ""): ComponentChildren[] {
  const pattern = new RegExp(HASH_COMMENTS.has(language.toLowerCase()) ? WITH_HASH : BASE);
  const out: ComponentChildren[] = [];
  let last = 0;
  for (let match = pattern.exec(code); match; match = pattern.exec(code)) {
    const [token, comment, string, number, word] = match;
    if (word && !KEYWORDS.has(word)) continue;
    if (match.index > last) out.push(code.slice(last, match.index));
    const kind = comment ? "comment" : string ? "string" : number ? "number" : "keyword";
    out.push(<span class={`tok-${kind}`}>{token}</span>);
    last = match.index + token.length;
  }
  if (last < code.length) out.push(code.slice(last));
  return out;
}
