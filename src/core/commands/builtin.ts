// The built-in commands, OpenCode's two: `/init` writes or improves the project's AGENTS.md from what the agent finds
// in the project, `/review` reviews changes. Both are prompts to the agent, run like any other command; a configured
// command of the same name replaces one.
import type { CommandDefinition } from "./command.js";

const init = (
  path: string,
) => `Create or improve the file AGENTS.md in ${path}: the instructions every coding agent reads before it works in
this project.

First look at what is there: the README, the package or build files (package.json, Makefile, pyproject.toml,
Cargo.toml, go.mod…), CI configuration, the layout of the source and test folders, and any existing agent
instructions (AGENTS.md, CLAUDE.md, .cursor/rules/, .cursorrules, .github/copilot-instructions.md). Read before you
write.

Then write AGENTS.md (about 20 to 40 lines) with:
- how to build, lint and test, and how to run a single test;
- the code style: imports, formatting, types, naming, error handling, and any conventions the code follows;
- anything an agent would otherwise get wrong here (layout rules, generated files, commands not to run).

If AGENTS.md already exists, keep what is still true and improve it rather than starting over. Include the important
parts of the other instruction files you found.

$ARGUMENTS`;

const review = (path: string) => `Review the changes in ${path} and report problems before they land.

What to review: $ARGUMENTS
With nothing given, review the uncommitted changes (\`git diff\` and \`git diff --cached\`, and new files from
\`git status\`). A commit hash means that commit (\`git show\`); a branch name means the branch against the current one
(\`git diff <current>...<branch>\`).

Read the full files around each change before you judge it. Look for bugs first (wrong logic, missed cases, errors
not handled, races, security problems), then for behaviour that changed without a test, then for code that does not
follow the project's conventions. Do not change any file.

Answer with the findings, most serious first, each with its file and line and why it matters; say plainly when you
found nothing wrong.`;

export function builtinCommands(directory: string): CommandDefinition[] {
  return [
    { name: "init", description: "create or improve AGENTS.md", template: init(directory) },
    {
      name: "review",
      description: "review changes [commit|branch], defaults to uncommitted",
      template: review(directory),
      subtask: true,
    },
  ];
}
