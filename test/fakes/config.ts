// A temp home for a real moor process: config pointing at the fake model, and data/state/config dirs of its own.
import { mkdirSync, mkdtempSync, realpathSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempHome {
  root: string;
  project: string;
  env: Record<string, string>;
}

export function makeTempHome(llmUrl: string, config: Record<string, unknown> = {}): TempHome {
  const root = mkdtempSync(join(tmpdir(), "moor-home-"));
  const project = join(root, "project");
  const configDir = join(root, "config");
  mkdirSync(project, { recursive: true });
  mkdirSync(configDir, { recursive: true });
  writeFileSync(
    join(configDir, "moor.json"),
    JSON.stringify({
      model: "fake/echo",
      provider: {
        fake: {
          npm: "@ai-sdk/openai-compatible",
          options: { baseURL: llmUrl, apiKey: "test-key" },
          // The provider lists its models, so an unlisted id is refused (issue 18 §1): every id a test names is here.
          models: {
            echo: { name: "Echo", tool_call: true },
            other: { name: "Other", tool_call: true },
            "project-model": { name: "Project model", tool_call: true },
            "big/v2": { name: "Big v2", tool_call: true },
          },
        },
      },
      ...config,
    }),
  );
  const env: Record<string, string> = {
    HOME: root,
    MOOR_CONFIG_DIR: configDir,
    MOOR_DATA_DIR: join(root, "data"),
    MOOR_STATE_DIR: join(root, "state"),
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    MOOR_DAEMON_BACKOFF_MS: "200",
  };
  return { root, project, env };
}

/** Trusts the temp home's project (or `directory`), so its own .moor/config.json applies in full. */
export function trustProject(home: TempHome, directory = home.project): void {
  writeFileSync(join(home.env.MOOR_CONFIG_DIR, "trusted.json"), JSON.stringify({ trusted: [realpathSync(directory)] }));
}
