// A JSON value's shape: its keys and value types, recursively (values themselves ignored). Two answers with the same
// shape read the same in OpenCode's clients. Arrays take the shape of their first item ("[]" when empty);
// records keyed by ids (models, providers) are compared through one sample entry by the caller.
export type Shape = string | Shape[] | { [key: string]: Shape };

export function shapeOf(value: unknown): Shape {
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "[]" : [shapeOf(value[0])];
  if (typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value as object)
        .sort()
        .map((key) => [key, shapeOf((value as Record<string, unknown>)[key])]),
    );
  }
  return typeof value;
}
