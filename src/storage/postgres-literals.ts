// Statements sent several at once in one query (one round trip) cannot take parameters: their values are written in
// as literals, strings escaped as the driver would (escapeLiteral).
import type pg from "pg";

/**
 * Runs `statements` as one transaction sent in one query (BEGIN, the statements, COMMIT): one round trip. On an error
 * the transaction is rolled back and the error rethrown; else the statements' results, in order (BEGIN's not
 * included).
 */
export async function transactionInOneQuery(client: pg.Client, statements: string[]): Promise<pg.QueryResult[]> {
  try {
    const results = (await client.query(["BEGIN", ...statements, "COMMIT"].join(";\n"))) as unknown as pg.QueryResult[];
    return results.slice(1, -1);
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  }
}

/**
 * `text` as a SQL string literal, byte for byte what pg's escapeLiteral writes (quotes doubled; with a backslash,
 * backslashes doubled and an E'' literal with a space before it). pg's builds the literal a character at a time, and
 * with a step's parts and events inlined into every commit that was a good part of a worker's CPU per turn; two
 * scans and at most two replaceAll here (test/storage/postgres-literals.test.ts compares them).
 */
export function escapeLiteral(text: string): string {
  const quoted = text.includes("'") ? text.replaceAll("'", "''") : text;
  return text.includes("\\") ? ` E'${quoted.replaceAll("\\", "\\\\")}'` : `'${quoted}'`;
}

/**
 * `text` with its $n placeholders replaced by `values` as SQL literals: strings as escapeLiteral writes them, numbers,
 * booleans, NULL, arrays as ARRAY[...]. For statements sent together in one query, which cannot take parameters.
 */
export function inline(text: string, values: unknown[]): string {
  const literal = (value: unknown): string => {
    if (value === null || value === undefined) return "NULL";
    if (typeof value === "number") {
      if (!Number.isFinite(value)) throw new Error(`not a storable number: ${value}`);
      return String(value);
    }
    if (typeof value === "bigint") return value.toString();
    if (typeof value === "boolean") return value ? "TRUE" : "FALSE";
    if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(", ")}]`;
    return escapeLiteral(String(value));
  };
  return text.replace(/\$(\d+)/g, (_, index: string) => literal(values[Number(index) - 1]));
}

/** The names given to the statements prepared so far, by text (the same on every connection of this process). */
const statementNames = new Map<string, string>();

/**
 * `text` as a named statement: each connection parses and analyzes it once (pg prepares it on first use), where
 * an unnamed one was parsed and planned again at every call. For the fixed texts of reads run at every step.
 */
export function preparedQuery(text: string, values: unknown[]): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) {
    name = `moor_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return { name, text, values };
}
