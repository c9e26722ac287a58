// Property: whatever `permission` an untrusted project writes, no request gets a looser answer than the user's
// config and the defaults give (core's own evaluator judges, on probes that hit every pattern the rules use).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/load.js";
import { resolvePaths } from "../../src/config/paths.js";
import { DEFAULT_ACTIONS, evaluatePermission, type PermissionRules } from "../../src/core/permission-rules.js";

const KEYS = ["edit", "bash", "read", "webfetch", "custom", "*"];
const PATTERNS = ["*", "git *", "git status", "rm *", "ls"];
const VALUES = ["git status", "git push", "rm -rf /", "ls", "anything"];
const RANK = { allow: 0, ask: 1, deny: 2 } as const;

const action = fc.constantFrom("allow" as const, "ask" as const, "deny" as const);
const table = fc.dictionary(fc.constantFrom(...PATTERNS), action, { minKeys: 1, maxKeys: 3 });
const rules: fc.Arbitrary<PermissionRules> = fc.oneof(
  action,
  fc.dictionary(fc.constantFrom(...KEYS), fc.oneof(action, table), { minKeys: 1, maxKeys: 4 }),
);

describe("an untrusted project's permission", () => {
  it("never answers a request more loosely than the user's config and the defaults", async () => {
    const root = mkdtempSync(join(tmpdir(), "moor-tighten-"));
    const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "config") }, root);
    const project = join(root, "project");
    mkdirSync(join(project, ".moor"), { recursive: true });
    mkdirSync(paths.config, { recursive: true });
    await fc.assert(
      fc.asyncProperty(fc.option(rules, { nil: undefined }), rules, async (user, fromProject) => {
        writeFileSync(join(paths.config, "moor.json"), JSON.stringify(user === undefined ? {} : { permission: user }));
        writeFileSync(join(project, ".moor", "config.json"), JSON.stringify({ permission: fromProject }));
        const { config } = await loadConfig({
          paths,
          cwd: project,
          env: {},
          defaults: { permission: DEFAULT_ACTIONS, maxSteps: 50 },
        });
        const merged = config.permission as PermissionRules | undefined;
        for (const key of [...KEYS.filter((k) => k !== "*"), "list", "external_directory"]) {
          for (const value of VALUES) {
            const before = evaluatePermission(user, [], key, [value]);
            const after = evaluatePermission(merged, [], key, [value]);
            expect(
              RANK[after],
              `${key} ${value}: ${JSON.stringify({ user, fromProject, merged })}`,
            ).toBeGreaterThanOrEqual(RANK[before]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it("keeps a project's tightening (deny everything) whatever the user wrote", async () => {
    const root = mkdtempSync(join(tmpdir(), "moor-tighten-"));
    const paths = resolvePaths({ MOOR_CONFIG_DIR: join(root, "config") }, root);
    const project = join(root, "project");
    mkdirSync(join(project, ".moor"), { recursive: true });
    mkdirSync(paths.config, { recursive: true });
    writeFileSync(join(paths.config, "moor.json"), JSON.stringify({ permission: { bash: { "git *": "allow" } } }));
    writeFileSync(join(project, ".moor", "config.json"), JSON.stringify({ permission: "deny" }));
    const { config } = await loadConfig({ paths, cwd: project, env: {} });
    expect(config.permission).toBe("deny");
  });
});
