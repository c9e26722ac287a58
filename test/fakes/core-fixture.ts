// The one "core + scripted model + temp store" fixture: a core on its own SQLite file in a temp dir, its model
// answering with scripted steps (test/core/scripted-model.ts), every event it publishes collected. Core, session,
// recovery and server tests build on it instead of each wiring createCore by hand.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Core, type CoreOptions, type CoreSettings, createCore } from "../../src/core/index.js";
import type { BusEnvelope } from "../../src/protocol/index.js";
import { SqliteStore } from "../../src/storage/sqlite-store.js";
import { type ScriptedStep, scriptedModel } from "../core/scripted-model.js";

export interface CoreFixtureOptions {
  /** Names the temp dir (`moor-<prefix>-…`). */
  prefix?: string;
  /** A directory to use instead of a new temp dir (it is not removed by close). */
  dir?: string;
  /** The database file; default `<dir>/moor.db`. */
  file?: string;
  steps?: ScriptedStep[];
  /** Fixed settings, or a getter read at each decision. */
  settings?: CoreSettings | (() => CoreSettings);
  tools?: CoreOptions["tools"];
  version?: string;
  modelID?: string;
  /** Anything else createCore takes (retry, ringSize, systemPrompt, …). */
  core?: Partial<CoreOptions>;
}

export interface CoreFixture {
  dir: string;
  file: string;
  store: SqliteStore;
  core: Core;
  model: ReturnType<typeof scriptedModel>;
  /** Every event the core's bus published since the fixture opened (after recovery). */
  events: BusEnvelope[];
  /** Shuts the core down, closes the store and removes the temp dir (unless one was given). */
  close(): Promise<void>;
}

export async function openCoreFixture(options: CoreFixtureOptions = {}): Promise<CoreFixture> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), `moor-${options.prefix ?? "core"}-`));
  const file = options.file ?? join(dir, "moor.db");
  const store = new SqliteStore(file);
  const model = scriptedModel(options.steps ?? []);
  const settings = options.settings ?? {};
  const core = await createCore({
    store,
    version: options.version ?? "test",
    settings: typeof settings === "function" ? settings : () => settings,
    resolveModel: async () => ({ model, providerID: "mock", modelID: options.modelID ?? "m" }),
    tools: options.tools ?? [],
    ...options.core,
  });
  const events: BusEnvelope[] = [];
  core.bus.subscribe((envelope) => events.push(envelope));
  return {
    dir,
    file,
    store,
    core,
    model,
    events,
    close: async () => {
      await core.shutdown();
      store.closeNow();
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
