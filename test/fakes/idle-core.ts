// A core on its own SQLite file in a temp dir, with a model that is never asked (no scripted steps) and no tools:
// what the server-edge tests need to drive routes, auth and limits without running turns.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Core, createCore } from "../../src/core/index.js";
import { Store } from "../../src/storage/store.js";
import { scriptedModel } from "../core/scripted-model.js";

export interface IdleCore {
  dir: string;
  store: Store;
  core: Core;
}

export function openIdleCore(prefix: string, version = "1"): IdleCore {
  const dir = mkdtempSync(join(tmpdir(), `moor-${prefix}-`));
  const store = new Store(join(dir, "moor.db"));
  const model = scriptedModel([]);
  const core = createCore({
    store,
    version,
    settings: () => ({}),
    resolveModel: async () => ({ model, providerID: "mock", modelID: "m" }),
    tools: [],
  });
  return { dir, store, core };
}
