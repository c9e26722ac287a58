// For `moor debug config` and GET /config: what could be a secret is masked before it is shown.
// - a string under a key whose name says key/token/secret/password/auth/cookie/credential (any depth, so a whole
//   `auth: {...}` object is masked too), keeping only the last 4 characters of a long value;
// - every value under `headers` (an Authorization or x-api-key header is a secret whatever its name) and under
//   `environment`/`env` (what is passed to a command, e.g. an MCP server's GITHUB_PAT);
// - in any URL: the userinfo (`https://user:***@host`, `https://***@host` for a lone token) and the values of
//   token-like query parameters (`?key=`, `token`, `api_key`, `sig`, …).
const SECRET_KEY = /key|token|secret|passw|auth|cookie|credential|session/i;
/** Names that match the pattern above but hold no secret. */
const NOT_SECRET = new Set(["keybinds"]);
/** Keys whose every value is masked, whatever the names inside. */
const MASK_ALL_UNDER = new Set(["headers", "environment", "env"]);
const SECRET_QUERY = /key|token|secret|passw|auth|cookie|credential|session|sig|signature|code|access|jwt|bearer/i;

export function maskSecrets<T>(value: T): T {
  return mask(value, false) as T;
}

function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !NOT_SECRET.has(key);
}

function mask(value: unknown, secret: boolean): unknown {
  if (typeof value === "string") return secret ? maskValue(value) : maskUrl(value);
  if (Array.isArray(value)) return value.map((item) => mask(item, secret));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [
        key,
        mask(item, secret || isSecretKey(key) || MASK_ALL_UNDER.has(key.toLowerCase())),
      ]),
    );
  }
  return value;
}

export function maskValue(value: string): string {
  return value.length > 8 ? `****${value.slice(-4)}` : "****";
}

/** Masks the secret parts of a URL inside the string; anything that is not a URL comes back unchanged. */
export function maskUrl(text: string): string {
  return text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (candidate) => {
    let url: URL;
    try {
      url = new URL(candidate);
    } catch {
      return candidate;
    }
    let changed = false;
    if (url.password) {
      url.password = "***";
      changed = true;
    } else if (url.username) {
      url.username = "***";
      changed = true;
    }
    for (const name of [...new Set(url.searchParams.keys())]) {
      if (!SECRET_QUERY.test(name)) continue;
      url.searchParams.set(name, "***");
      changed = true;
    }
    if (!changed) return candidate;
    // URL encodes `*` in the query; the mask reads better as typed.
    return url.toString().replace(/%2A/g, "*");
  });
}
