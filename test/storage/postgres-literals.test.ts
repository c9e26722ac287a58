// The literals inlined into one-query transactions: moor's escapeLiteral must write exactly what pg's does (the
// server reads them back as the same strings), only faster.
import pg from "pg";
import { describe, expect, it } from "vitest";
import { escapeLiteral, inline, preparedQuery } from "../../src/storage/postgres-literals.js";

const samples = [
  "",
  "plain",
  "it's",
  "''",
  "back\\slash",
  "both ' and \\ and '\\'",
  "\\",
  "ends with a quote'",
  "ünïcödé ✓ 𝄞 and 'quotes'",
  '{"text":"a \\"quoted\\" line\\nnext","n":1}',
  "line\nbreak\ttab\r",
];

describe("escapeLiteral", () => {
  it("writes byte for byte what pg's escapeLiteral writes", () => {
    const random = Array.from({ length: 500 }, (_, n) =>
      Array.from({ length: n % 40 }, (_, k) => "a'\\ é\n\"𝄞x"[(n * 7 + k * 13) % 11]).join(""),
    );
    for (const text of [...samples, ...random])
      expect(escapeLiteral(text)).toBe(pg.Client.prototype.escapeLiteral(text));
  });

  it("is what inline writes for a string", () => {
    expect(inline("SELECT $1, $2", ["it's", "a\\b"])).toBe(
      `SELECT ${pg.Client.prototype.escapeLiteral("it's")}, ${pg.Client.prototype.escapeLiteral("a\\b")}`,
    );
  });
});

describe("preparedQuery", () => {
  it("names each text once: the same name for the same text, another for another", () => {
    const a = preparedQuery("SELECT data FROM session WHERE id = $1", ["ses_1"]);
    const again = preparedQuery("SELECT data FROM session WHERE id = $1", ["ses_2"]);
    const other = preparedQuery("SELECT data FROM todo WHERE session_id = $1", ["ses_1"]);
    expect(again.name).toBe(a.name);
    expect(again.values).toEqual(["ses_2"]);
    expect(other.name).not.toBe(a.name);
  });
});
