// For `moor debug config` and GET /config: secrets are replaced, keeping only their last 4 characters.
const SECRET_KEY = /(api[-_]?key|token|secret|password|authorization)/i;

export function maskSecrets<T>(value: T): T {
  return mask(value, "") as T;
}

function mask(value: unknown, key: string): unknown {
  if (typeof value === "string") {
    if (!SECRET_KEY.test(key)) return value;
    return value.length > 8 ? `****${value.slice(-4)}` : "****";
  }
  if (Array.isArray(value)) return value.map((item) => mask(item, key));
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v, k)]));
  }
  return value;
}
