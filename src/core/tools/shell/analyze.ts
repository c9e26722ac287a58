// Reads a command line the way the shell will: every simple command (in lists, pipelines, subshells, `$(…)` and
// backtick substitutions, process substitutions, `if`/`for`/`while`/`case` bodies, function bodies) is reported on
// its own, with the words rules and grants are matched against, and every redirection that writes a file is
// reported with its target. Whatever the grammar does not know, or cannot parse, makes the line not understood:
// the caller then asks about the whole line (fail closed).
import { isAbsolute, join } from "node:path";
import type { Node } from "web-tree-sitter";
import { alwaysRule } from "./always-rule.js";
import { isOpaque } from "./opaque.js";
import { withShellTree } from "./parser.js";
import { literalPath, literalValue } from "./words.js";

export interface SubCommand {
  /** One simple command as rules and grants see it: its words, unquoted where literal, joined by spaces. */
  text: string;
  /** What "always" stores for it (always-rule.ts); undefined when nothing narrow enough exists. */
  rule?: string;
  /** Its words do not say what runs (opaque.ts): asked every time. */
  opaque: boolean;
  /**
   * A command run by its path (`/bin/rm -rf x`), as text and rule again by its name (`rm -rf x`, `rm *`): judged
   * both ways, so a rule about `rm` cannot be dodged by naming the binary.
   */
  byName?: { text: string; rule?: string };
}

export interface FileWrite {
  /** The target as written. */
  raw: string;
  /** The path written to, relative to the command's starting directory (or absolute); undefined when unknown. */
  path?: string;
}

export interface ShellAnalysis {
  understood: boolean;
  commands: SubCommand[];
  writes: FileWrite[];
}

/** Every node type of tree-sitter-bash this analysis knows how to read; any other makes the line not understood. */
const KNOWN = new Set([
  "program",
  "list",
  "pipeline",
  "subshell",
  "compound_statement",
  "if_statement",
  "elif_clause",
  "else_clause",
  "for_statement",
  "c_style_for_statement",
  "while_statement",
  "do_group",
  "case_statement",
  "case_item",
  "negated_command",
  "redirected_statement",
  "function_definition",
  "test_command",
  "command",
  "command_name",
  "declaration_command",
  "unset_command",
  "variable_assignment",
  "variable_assignments",
  "file_redirect",
  "heredoc_redirect",
  "herestring_redirect",
  "heredoc_body",
  "heredoc_content",
  "heredoc_start",
  "heredoc_end",
  "command_substitution",
  "process_substitution",
  "string",
  "raw_string",
  "ansi_c_string",
  "translated_string",
  "string_content",
  "concatenation",
  "word",
  "number",
  "simple_expansion",
  "expansion",
  "arithmetic_expansion",
  "variable_name",
  "special_variable_name",
  "array",
  "brace_expression",
  "subscript",
  "comment",
  "regex",
  "extglob_pattern",
  "test_operator",
  "file_descriptor",
  "binary_expression",
  "unary_expression",
  "ternary_expression",
  "postfix_expression",
  "parenthesized_expression",
]);

const WRITE_OPERATORS = new Set([">", ">>", "&>", "&>>", ">|"]);
/** Writing to these changes no file. */
const HARMLESS_TARGETS = new Set(["/dev/null", "/dev/stdout", "/dev/stderr"]);
const REDIRECTS = new Set(["file_redirect", "heredoc_redirect", "herestring_redirect"]);
const CHANGES_DIRECTORY = new Set(["cd", "pushd", "popd"]);

interface Found {
  node: Node;
  raw: string;
  path?: string;
}

export async function analyzeCommand(source: string): Promise<ShellAnalysis> {
  const analysis = await withShellTree(source, (root) => new Reader().read(root));
  return analysis ?? { understood: false, commands: [], writes: [] };
}

class Reader {
  private understood = true;
  private readonly commands: SubCommand[] = [];
  private readonly writes: Found[] = [];
  private readonly directoryChanges: { node: Node; to?: string }[] = [];

  read(root: Node): ShellAnalysis {
    if (root.hasError) return { understood: false, commands: [], writes: [] };
    this.visit(root);
    return { understood: this.understood, commands: this.commands, writes: this.placeWrites() };
  }

  private visit(node: Node): void {
    if (!this.understood) return;
    if (!KNOWN.has(node.type)) {
      this.understood = false;
      return;
    }
    switch (node.type) {
      case "command":
        this.command(node);
        break;
      case "declaration_command":
      case "unset_command":
        this.verbatim(node);
        break;
      case "variable_assignment":
      case "variable_assignments": {
        // On its own a statement (it may change PATH for what follows); inside a command, part of its words.
        const parent = node.parent?.type;
        if (parent !== "command" && parent !== "declaration_command" && parent !== "variable_assignments") {
          this.verbatim(node);
        }
        break;
      }
      case "file_redirect":
        this.redirect(node);
        break;
      case "heredoc_redirect":
        // `cat <<EOF arg`: as with targets below, the grammar files the command's later words under the redirection.
        if (node.childrenForFieldName("argument").length > 0) this.understood = false;
        break;
    }
    for (const child of node.namedChildren) if (child) this.visit(child);
  }

  private command(node: Node): void {
    const assignments: string[] = [];
    const wordNodes: Node[] = [];
    for (const child of node.namedChildren) {
      if (!child || REDIRECTS.has(child.type)) continue;
      if (child.type === "variable_assignment") assignments.push(child.text);
      else if (child.type === "command_name") {
        const name = child.namedChildren[0];
        if (name) wordNodes.push(name);
      } else wordNodes.push(child);
    }
    if (wordNodes.length === 0) {
      this.commands.push({ text: node.text, opaque: true });
      return;
    }
    const words = wordNodes.map((word) => literalValue(word));
    const shown = wordNodes.map((word, index) => words[index] ?? word.text);
    const text = [...assignments, ...shown].join(" ");
    const opaque = isOpaque(words);
    const command: SubCommand = { text, opaque, rule: opaque ? undefined : alwaysRule(assignments, words) };
    const name = words[0];
    const baseName = name?.slice(name.lastIndexOf("/") + 1);
    if (!opaque && baseName && baseName !== name) {
      const named = [baseName, ...words.slice(1)];
      command.byName = {
        text: [...assignments, baseName, ...shown.slice(1)].join(" "),
        rule: alwaysRule(assignments, named),
      };
    }
    this.commands.push(command);
    if (name !== undefined && CHANGES_DIRECTORY.has(name)) {
      this.directoryChanges.push({ node, to: name === "cd" && words.length === 2 ? words[1] : undefined });
    }
    if (baseName === "tee") {
      // `tee FILE` writes FILE: an edit like a redirection.
      for (const [index, word] of wordNodes.entries()) {
        if (index === 0 || words[index]?.startsWith("-")) continue;
        this.writes.push({ node: word, raw: word.text, path: literalPath(word) });
      }
    }
  }

  private verbatim(node: Node): void {
    const text = node.text.replace(/\s+/g, " ").trim();
    this.commands.push({ text, opaque: false, rule: /[$`*?\\\n]/.test(node.text) ? undefined : text });
  }

  private redirect(node: Node): void {
    const operator = node.children.find((child) => child && !child.isNamed)?.type ?? "";
    const destinations = node.childrenForFieldName("destination");
    if (destinations.length > 1) {
      // `rm > /dev/null -rf x`: the grammar takes the words after the target for more targets, where the shell
      // takes them for the command's arguments. The command's words are not known, so neither is the line.
      this.understood = false;
      return;
    }
    const destination = destinations[0];
    if (!destination) return;
    const value = literalValue(destination);
    // `>&` duplicates a descriptor (`2>&1`, `>&-`), unless its word is a file name (or not known before it runs).
    const isWrite = WRITE_OPERATORS.has(operator) || (operator === ">&" && !/^(\d+|-)$/.test(value ?? "$"));
    if (!isWrite || (value !== undefined && HARMLESS_TARGETS.has(value))) return;
    this.writes.push({ node: destination, raw: destination.text, path: literalPath(destination) });
  }

  /**
   * Relative targets are placed after the `cd`s that run before them for certain: those of one top-level `&&`
   * chain with a literal directory. Any other change of directory (in a subshell, a loop, after `;` or `||`,
   * `pushd`, a computed one) leaves relative targets unknown.
   */
  private placeWrites(): FileWrite[] {
    const tracked = this.directoryChanges.every(
      (change) => change.to !== undefined && change.to !== "-" && !change.to.startsWith("~") && inAndChain(change.node),
    );
    return this.writes.map(({ node, raw, path }) => {
      if (path === undefined || path.startsWith("/")) return { raw, path };
      if (!tracked) return { raw };
      // Nodes are fresh objects on every access: a statement is known by where it starts.
      const statement = topStatement(node).startIndex;
      const before = this.directoryChanges.filter((change) => endOfChange(change.node) <= node.startIndex);
      if (before.some((change) => topStatement(change.node).startIndex !== statement)) return { raw };
      const directory = before.reduce(
        (at, { to }) => (isAbsolute(to as string) ? (to as string) : join(at, to as string)),
        "",
      );
      return { raw, path: join(directory, path) };
    });
  }
}

/**
 * A command whose ancestors up to the top are only `&&` lists and redirected statements (tree-sitter-bash hangs a
 * redirection of a list's last command on the whole list: `cd a && b > f`).
 */
function inAndChain(node: Node): boolean {
  let current = node.parent;
  while (current && current.type !== "program") {
    if (current.type === "list") {
      const operators = current.children.filter((child) => child && !child.isNamed).map((child) => child?.type);
      if (!operators.every((operator) => operator === "&&")) return false;
    } else if (current.type !== "redirected_statement") return false;
    current = current.parent;
  }
  return current !== null;
}

/**
 * Where a `cd` is over: its own redirections are opened before it changes directory. Those may hang on an enclosing
 * statement when the `cd` ends a list (the grammar's quirk above).
 */
function endOfChange(node: Node): number {
  let end = node.endIndex;
  let current = node;
  for (let parent = current.parent; parent; parent = parent.parent) {
    if (parent.type === "redirected_statement" && parent.childForFieldName("body")?.startIndex === current.startIndex) {
      end = parent.endIndex;
    } else if (parent.type !== "list" || parent.lastNamedChild?.startIndex !== current.startIndex) break;
    current = parent;
  }
  return end;
}

function topStatement(node: Node): Node {
  let current = node;
  while (current.parent && current.parent.type !== "program") current = current.parent;
  return current;
}
