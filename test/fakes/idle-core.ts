// A core with a model that is never asked (no scripted steps) and no tools: what the server-edge tests need to
// drive routes, auth and limits without running turns.
import type { Core } from "../../src/core/index.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import { openCoreFixture } from "./core-fixture.js";

export interface IdleCore {
  dir: string;
  store: SqliteStore;
  core: Core;
}

export async function openIdleCore(prefix: string, version = "1"): Promise<IdleCore> {
  const { dir, store, core } = await openCoreFixture({ prefix, version });
  return { dir, store, core };
}
