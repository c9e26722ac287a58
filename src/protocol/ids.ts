// Time-sortable ids with a type prefix, shaped like OpenCode's (`ses_`, `msg_`, `prt_`, `per_`, `evt_`):
// 12 hex digits of time (ms * 4096 + a counter, so ids made in the same millisecond still sort) and 14 random
// base62 characters. Uses Web Crypto so the same code runs in the browser (the web UI imports protocol).
export type IdPrefix = "ses" | "msg" | "prt" | "per" | "evt" | "call";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
let lastTime = 0;
let counter = 0;

// Random bytes are drawn a pool at a time: one crypto call per id showed in the turn's profile.
const pool = new Uint8Array(4096);
let poolIndex = pool.length;

function randomBase62(length: number): string {
  if (poolIndex + length > pool.length) {
    globalThis.crypto.getRandomValues(pool);
    poolIndex = 0;
  }
  let out = "";
  for (let i = 0; i < length; i++) out += BASE62[pool[poolIndex++] % 62];
  return out;
}

/** A new ascending id; `time` is passed in (callers own the clock). */
export function newId(prefix: IdPrefix, time: number): string {
  if (time <= lastTime) {
    counter++;
    time = lastTime;
  } else {
    lastTime = time;
    counter = 0;
  }
  const stamp = (BigInt(time) * 0x1000n + BigInt(counter & 0xfff)).toString(16).padStart(12, "0").slice(-12);
  return `${prefix}_${stamp}${randomBase62(14)}`;
}
