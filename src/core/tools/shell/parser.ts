// tree-sitter's bash grammar (WebAssembly), loaded on the first command the agent runs and never before: a server
// that runs no command never pays for it (~1 MB of wasm, a few ms).
import { createRequire } from "node:module";
import type { Node, Parser } from "web-tree-sitter";

let loading: Promise<Parser> | undefined;

function loadParser(): Promise<Parser> {
  loading ??= (async () => {
    // The wasm files are located from the packages themselves, which works from src/, dist/ and the bundles alike.
    const require = createRequire(import.meta.url);
    const { Parser, Language } = await import("web-tree-sitter");
    await Parser.init({ locateFile: () => require.resolve("web-tree-sitter/tree-sitter.wasm") });
    const bash = await Language.load(require.resolve("tree-sitter-bash/tree-sitter-bash.wasm"));
    const parser = new Parser();
    parser.setLanguage(bash);
    return parser;
  })();
  // A failed load is tried again on the next command rather than remembered.
  loading.catch(() => {
    loading = undefined;
  });
  return loading;
}

/**
 * Parses `source` and hands its syntax tree to `read`, freeing the tree afterwards (it lives in wasm memory).
 * Undefined when the grammar cannot be loaded or the parse fails: the caller treats that as not understood.
 */
export async function withShellTree<T>(source: string, read: (root: Node) => T): Promise<T | undefined> {
  let parser: Parser;
  try {
    parser = await loadParser();
  } catch {
    return undefined;
  }
  const tree = parser.parse(source);
  if (!tree) return undefined;
  try {
    return read(tree.rootNode);
  } finally {
    tree.delete();
  }
}
