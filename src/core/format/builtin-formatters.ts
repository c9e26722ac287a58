// The formatters moor finds on its own (OpenCode's built-ins, the common ones): each is enabled for a project when
// its program is there and the project shows it uses it. `$FILE` in a command is the file's absolute path.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { directoriesUp, findOnPath, findProjectBin } from "../executables.js";
import { readRegularFileSync } from "../files/read-regular.js";

export interface DetectContext {
  /** The project (session directory): detection walks from it down to nothing else. */
  directory: string;
  /** The PATH cli passed in. */
  path: string | undefined;
  /**
   * Whether programs from the project's own node_modules may run: not until the user trusts the directory, since a
   * cloned repository could ship its own `node_modules/.bin/prettier`.
   */
  projectBins: boolean;
}

export interface BuiltinFormatter {
  name: string;
  extensions: readonly string[];
  /** The command (with `$FILE`) when the formatter applies to the project, else undefined. */
  detect(context: DetectContext): string[] | undefined;
}

const PRETTIER_CONFIGS = [
  ".prettierrc",
  ".prettierrc.json",
  ".prettierrc.json5",
  ".prettierrc.yaml",
  ".prettierrc.yml",
  ".prettierrc.toml",
  ".prettierrc.js",
  ".prettierrc.cjs",
  ".prettierrc.mjs",
  "prettier.config.js",
  "prettier.config.cjs",
  "prettier.config.mjs",
];

/** Far over any real manifest. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * A project manifest's text, read on an edit's path: only a regular file, so a clone whose package.json is a named
 * pipe or a link to /dev/zero cannot hold the server (this read is synchronous).
 */
function readManifest(path: string): string | undefined {
  return readRegularFileSync(path, MAX_MANIFEST_BYTES)?.toString("utf8");
}

function hasFile(directory: string, names: readonly string[]): boolean {
  return names.some((name) => existsSync(join(directory, name)));
}

/** Whether the project's package.json lists `dependency` (any kind of dependency). */
function packageDepends(directory: string, dependency: string): boolean {
  try {
    const text = readManifest(join(directory, "package.json"));
    if (text === undefined) return false;
    const manifest = JSON.parse(text) as Record<string, unknown>;
    return ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"].some((key) => {
      const deps = manifest[key];
      return typeof deps === "object" && deps !== null && dependency in deps;
    });
  } catch {
    return false;
  }
}

function projectBin(name: string, context: DetectContext): string | undefined {
  return context.projectBins ? findProjectBin(name, context.directory, context.directory) : undefined;
}

export const BUILTIN_FORMATTERS: readonly BuiltinFormatter[] = [
  {
    name: "prettier",
    extensions: [
      ".js",
      ".jsx",
      ".mjs",
      ".cjs",
      ".ts",
      ".tsx",
      ".mts",
      ".cts",
      ".html",
      ".htm",
      ".css",
      ".scss",
      ".less",
      ".vue",
      ".json",
      ".jsonc",
      ".yaml",
      ".yml",
      ".md",
      ".mdx",
      ".graphql",
      ".gql",
    ],
    detect(context) {
      const used = packageDepends(context.directory, "prettier") || hasFile(context.directory, PRETTIER_CONFIGS);
      const bin = used ? projectBin("prettier", context) : undefined;
      return bin ? [bin, "--write", "$FILE"] : undefined;
    },
  },
  {
    name: "biome",
    extensions: [".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".json", ".jsonc", ".css", ".graphql"],
    detect(context) {
      if (!hasFile(context.directory, ["biome.json", "biome.jsonc"])) return undefined;
      const bin = projectBin("biome", context) ?? findOnPath("biome", context.path);
      return bin ? [bin, "format", "--write", "$FILE"] : undefined;
    },
  },
  {
    name: "ruff",
    extensions: [".py", ".pyi"],
    detect(context) {
      const configured =
        hasFile(context.directory, ["ruff.toml", ".ruff.toml"]) ||
        directoriesUp(context.directory, context.directory).some((dir) => {
          try {
            return readManifest(join(dir, "pyproject.toml"))?.includes("[tool.ruff") ?? false;
          } catch {
            return false;
          }
        });
      const bin = configured ? findOnPath("ruff", context.path) : undefined;
      return bin ? [bin, "format", "$FILE"] : undefined;
    },
  },
  {
    name: "gofmt",
    extensions: [".go"],
    detect(context) {
      const bin = findOnPath("gofmt", context.path);
      return bin ? [bin, "-w", "$FILE"] : undefined;
    },
  },
  {
    name: "rustfmt",
    extensions: [".rs"],
    detect(context) {
      const bin = findOnPath("rustfmt", context.path);
      return bin ? [bin, "$FILE"] : undefined;
    },
  },
];
