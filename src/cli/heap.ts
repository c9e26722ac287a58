// Heap sizing for the long-running commands (`serve`, `acp`).
import { setFlagsFromString } from "node:v8";

/**
 * Node flags for a server process that moor starts itself (the daemon's supervisor, service units): the same as
 * bin/moor.cjs's shell line gives `moor serve` run as a command. The young generation can only be capped as Node
 * starts; see there.
 */
export const SERVER_NODE_FLAGS = ["--max-semi-space-size=1"];

/**
 * The environment bin/moor.cjs's shell line adds for a server run as a command: one malloc arena (see there), unless
 * the user chose a number; MOOR_LAUNCHER_ARENA has the launcher take it away again from the commands moor runs. The
 * daemon's supervisor and the service units start Node themselves, past that line, so they set it the same way.
 */
export function serverMallocEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  return env.MALLOC_ARENA_MAX ? {} : { MALLOC_ARENA_MAX: "1", MOOR_LAUNCHER_ARENA: "1" };
}

/**
 * Their live heap stays small (about 20 MB after hundreds of turns), but V8 sizes its heap for throughput: the
 * young generation grows to 32 MB and the old one to about twice what is live, so a busy server sat at 140 MB.
 * From here on the young generation keeps the size it started with and the old one stays within 30% of the live
 * data. Both settings are read each time V8 resizes the heap, so they apply from the call on; it is made once the
 * command is up, because a smaller young generation would slow the start.
 */
export function keepHeapNearLiveSize(): void {
  // The launcher's code cache must be made first: V8 rejects a cache made under other flags (bin/moor.cjs).
  (globalThis as { __moorSaveCodeCache?: () => void }).__moorSaveCodeCache?.();
  setFlagsFromString("--semi-space-growth-factor=1");
  setFlagsFromString("--heap-growing-percent=30");
}
