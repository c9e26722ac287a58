// A permission question and its refusal in words for a person: "run the command `rm -rf build`", "edit src/a.ts",
// "fetch https://…", instead of the permission key and raw patterns.
import type { PermissionRequest } from "../protocol/index.js";

const VERBS: Record<string, (subjects: string) => string> = {
  bash: (s) => `run ${s}`,
  edit: (s) => `change ${s}`,
  read: (s) => `read ${s}`,
  glob: (s) => `search for files matching ${s}`,
  grep: (s) => `search file contents for ${s}`,
  list: (s) => `list ${s}`,
  webfetch: (s) => `fetch ${s}`,
  external_directory: (s) => `reach outside the project: ${s}`,
  task: (s) => `start the subagent ${s}`,
  todowrite: () => "update the todo list",
  todoread: () => "read the todo list",
};

/** What the request would do, e.g. "run `git push`" or "change src/a.ts". */
export function actionInWords(request: Pick<PermissionRequest, "permission" | "patterns">): string {
  const quote = request.permission === "bash";
  const subjects = request.patterns.map((pattern) => (quote ? `\`${pattern}\`` : pattern)).join(", ") || "*";
  const verb = VERBS[request.permission];
  return verb ? verb(subjects) : `use ${request.permission} on ${subjects}`;
}

/** The note printed when a question is answered no (or cannot be asked): what was refused, and why. */
export function refusalInWords(request: Pick<PermissionRequest, "permission" | "patterns">, why: string): string {
  return `refused to ${actionInWords(request)} (${why})`;
}
