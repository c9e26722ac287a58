// Every event type the protocol declares has a publisher in the server (core or the SSE layer): a declared type that
// nothing sends is a promise to clients that nobody keeps. Checked by reading the sources, as the architecture
// test reads imports.
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { EVENT_TYPES } from "../../src/protocol/index.js";

const SRC = resolve("src");

/** Declared for moor's clients, which attach to OpenCode servers too, though moor itself never sends them. */
// Empty since revert (core/snapshots) publishes `message.removed`; kept so a type declared only for OpenCode's sake
// must be named here with a reason.
const RECEIVED_FROM_OPENCODE_ONLY: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

function declaredTypes(): string[] {
  const text = readFileSync(join(SRC, "protocol/event.ts"), "utf8");
  const body = text.slice(text.indexOf("export interface EventMap {"), text.indexOf("export type EventType"));
  return [...body.matchAll(/^ {2}"([a-z.]+)":/gm)].map((match) => match[1]);
}

/** Types published by core (`bus.publish("x", …)`) or sent by the SSE layer itself (`{ type: "x", … }`). */
function publishedTypes(): Set<string> {
  const found = new Set<string>();
  for (const file of [...sourceFiles(join(SRC, "core")), ...sourceFiles(join(SRC, "server"))]) {
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(/\.(?:publish|emit)\(\s*"([a-z.]+)"/g)) found.add(match[1]);
    for (const match of text.matchAll(/\{\s*type:\s*"([a-z.]+)",\s*properties:/g)) found.add(match[1]);
  }
  return found;
}

describe("event vocabulary (src/protocol/event.ts)", () => {
  it("has a publisher for every declared event type", () => {
    const published = publishedTypes();
    const unpublished = declaredTypes().filter((type) => !published.has(type) && !RECEIVED_FROM_OPENCODE_ONLY[type]);
    expect(unpublished).toEqual([]);
  });

  it("lists as OpenCode-only exactly the declared types moor does not publish", () => {
    const published = publishedTypes();
    for (const type of Object.keys(RECEIVED_FROM_OPENCODE_ONLY)) {
      expect(declaredTypes()).toContain(type);
      expect(published.has(type), `${type} is published now: drop it from the list`).toBe(false);
    }
  });

  it("reads the sources it checks (the check is not vacuous)", () => {
    const declared = declaredTypes();
    expect(declared.length).toBeGreaterThan(15);
    expect([...declared].sort()).toEqual([...EVENT_TYPES].sort());
    expect(publishedTypes()).toContain("server.connected");
    expect(publishedTypes()).toContain("message.part.delta");
  });
});
