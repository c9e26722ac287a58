// What an "always" answer stores for one simple command: the narrowest rule still worth remembering.
//
// - Tools with subcommands keep them: `git status -s` → `git status *`, `npm run build` → `npm run build *`,
//   `gh pr list` → `gh pr list *`, `python3 -m pytest -q` → `python3 -m pytest *` (table below).
// - Any other command keeps its name, its arguments wildcarded: `ls -la src` → `ls *`.
// - Fewer words than the tool's depth are stored exactly (`git` → `git`); a rule matches its command with no
//   arguments too (`git status *` covers `git status`).
// - Nothing is stored (the command is asked again) when a word of the rule is not literal, holds `*` or `?`, or is an
//   option where a subcommand belongs (`git -C x status`), and never for opaque commands (opaque.ts).
// Leading variable assignments belong to the rule (`CI=1 npm test *`), since they change what the command does.

/** How many leading words name the command, by the longest matching prefix. */
const DEPTH: Record<string, number> = {
  git: 2,
  npm: 2,
  "npm run": 3,
  "npm exec": 3,
  npx: 2,
  pnpm: 2,
  "pnpm run": 3,
  "pnpm exec": 3,
  "pnpm dlx": 3,
  pnpx: 2,
  yarn: 2,
  "yarn run": 3,
  "yarn dlx": 3,
  bun: 2,
  "bun run": 3,
  "bun x": 3,
  bunx: 2,
  deno: 2,
  "deno run": 3,
  "deno task": 3,
  node: 2,
  python: 2,
  python3: 2,
  "python -m": 3,
  "python3 -m": 3,
  ruby: 2,
  perl: 2,
  bash: 2,
  sh: 2,
  zsh: 2,
  cargo: 2,
  rustup: 2,
  go: 2,
  "go run": 3,
  make: 2,
  docker: 2,
  "docker compose": 3,
  podman: 2,
  kubectl: 2,
  helm: 2,
  terraform: 2,
  pip: 2,
  pip3: 2,
  uv: 2,
  "uv run": 3,
  "uv pip": 3,
  poetry: 2,
  "poetry run": 3,
  conda: 2,
  gh: 3,
  apt: 2,
  "apt-get": 2,
  brew: 2,
  systemctl: 2,
  dotnet: 2,
  mvn: 2,
  gradle: 2,
  "./gradlew": 2,
  aws: 3,
  gcloud: 3,
  az: 3,
};

const SAFE_ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=[A-Za-z0-9_./:,@%+=-]*$/;

/** `words` are the command's words as the shell sees them (undefined where not literal). */
export function alwaysRule(assignments: string[], words: (string | undefined)[]): string | undefined {
  if (!assignments.every((assignment) => SAFE_ASSIGNMENT.test(assignment))) return undefined;
  let prefixLength = 1;
  let depth = 1;
  for (let length = Math.min(words.length, 3); length >= 1; length--) {
    const key = words.slice(0, length).join(" ");
    if (words.slice(0, length).every((word) => word !== undefined) && DEPTH[key] !== undefined) {
      prefixLength = length;
      depth = DEPTH[key];
      break;
    }
  }
  const ruleWords = words.slice(0, depth);
  for (const [index, word] of ruleWords.entries()) {
    if (word === undefined || word === "" || /[*?\s]/.test(word)) return undefined;
    if (index >= prefixLength && word.startsWith("-")) return undefined;
  }
  const rule = [...assignments, ...(ruleWords as string[])].join(" ");
  return words.length < depth ? rule : `${rule} *`;
}
