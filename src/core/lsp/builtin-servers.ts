// The language servers moor finds on its own: TypeScript/JavaScript (typescript-language-server) and Python
// (pyright), when installed. A server runs per project root: the nearest directory above the file, inside the
// session's directory, that has one of its root markers (else the session's directory).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { directoriesUp, findOnPath, findProjectBin, isExecutable } from "../executables.js";

export interface ServerContext {
  directory: string;
  path: string | undefined;
  /** Directories of moor's own programs (its node_modules/.bin), tried after the project's. */
  ownBins: readonly string[];
  /** Whether the project's own node_modules programs may run (the directory is trusted). */
  projectBins: boolean;
}

export interface BuiltinServer {
  id: string;
  extensions: readonly string[];
  rootMarkers: readonly string[];
  command(context: ServerContext, file: string): string[] | undefined;
}

function findBin(name: string, context: ServerContext, from: string): string | undefined {
  return (
    (context.projectBins ? findProjectBin(name, from, context.directory) : undefined) ??
    context.ownBins.map((dir) => join(dir, name)).find(isExecutable) ??
    findOnPath(name, context.path)
  );
}

export const BUILTIN_SERVERS: readonly BuiltinServer[] = [
  {
    id: "typescript",
    extensions: [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"],
    rootMarkers: ["tsconfig.json", "jsconfig.json", "package.json"],
    command(context, file) {
      const bin = findBin("typescript-language-server", context, dirname(file));
      return bin ? [bin, "--stdio"] : undefined;
    },
  },
  {
    id: "pyright",
    extensions: [".py", ".pyi"],
    rootMarkers: ["pyproject.toml", "setup.py", "setup.cfg", "requirements.txt", "pyrightconfig.json"],
    command(context, file) {
      const bin = findBin("pyright-langserver", context, dirname(file));
      return bin ? [bin, "--stdio"] : undefined;
    },
  },
];

/** The nearest directory from the file's up to `directory` holding one of `markers`; `directory` when none does. */
export function projectRoot(file: string, directory: string, markers: readonly string[]): string {
  for (const dir of directoriesUp(dirname(file), directory)) {
    if (markers.some((marker) => existsSync(join(dir, marker)))) return dir;
  }
  return directory;
}
