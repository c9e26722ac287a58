// REST half of the client: JSON over fetch with Basic auth, errors turned into MoorClientError with the server's
// `{error:{code,message}}` (or a clear message when the server cannot be reached).

export interface ClientOptions {
  baseUrl: string;
  password?: string;
  username?: string;
  /** Scopes requests to a project (sent as `x-opencode-directory`). */
  directory?: string;
  fetch?: typeof fetch;
  /** Per-request timeout for REST calls (not for event streams or waiting prompts). */
  timeoutMs?: number;
  /**
   * The password sent as `?auth_token=` on every request instead of a header: what a web page opened with
   * `?auth_token=` has (a browser cannot attach Basic auth to EventSource-like requests by itself).
   */
  authToken?: string;
}

export class MoorClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "MoorClientError";
  }
}

export function authHeader(options: ClientOptions): Record<string, string> {
  if (!options.password) return {};
  const token = `${options.username ?? "moor"}:${options.password}`;
  const encoded = typeof btoa === "function" ? btoa(token) : Buffer.from(token).toString("base64");
  return { authorization: `Basic ${encoded}` };
}

export function baseHeaders(options: ClientOptions): Record<string, string> {
  const headers: Record<string, string> = { ...authHeader(options) };
  if (options.directory) headers["x-opencode-directory"] = encodeURIComponent(options.directory);
  return headers;
}

export async function requestJson<T>(
  options: ClientOptions,
  method: string,
  path: string,
  body?: unknown,
  init: { timeoutMs?: number | null; signal?: AbortSignal; headers?: (headers: Headers) => void } = {},
): Promise<T> {
  const fetchImpl = options.fetch ?? fetch;
  const url = withAuthToken(options, new URL(path, withSlash(options.baseUrl)));
  const headers = baseHeaders(options);
  if (body !== undefined) headers["content-type"] = "application/json";
  const timeoutMs = init.timeoutMs === undefined ? (options.timeoutMs ?? 10_000) : init.timeoutMs;
  const signals = [init.signal, timeoutMs ? AbortSignal.timeout(timeoutMs) : undefined].filter(
    (signal): signal is AbortSignal => signal !== undefined,
  );
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: signals.length > 0 ? AbortSignal.any(signals) : undefined,
    });
  } catch (error) {
    if ((error as Error).name === "TimeoutError") {
      throw new MoorClientError(`${url.origin} did not answer within ${timeoutMs} ms`, 0, "timeout");
    }
    if ((error as Error).name === "AbortError") throw error;
    throw new MoorClientError(`cannot reach ${url.origin}: ${causeOf(error)}`, 0, "unreachable");
  }
  init.headers?.(response.headers);
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // A success that is not JSON is another server's catch-all (OpenCode answers routes it lacks, such as moor's
    // /resume, with its web page): say so instead of taking the page for an answer.
    if (response.ok) throw unsupportedRoute(method, url, response);
    parsed = undefined;
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
    const message =
      response.status === 401
        ? "wrong or missing password (set MOOR_SERVER_PASSWORD or pass --password)"
        : (error?.message ?? `${method} ${url.pathname} failed with HTTP ${response.status}`);
    throw new MoorClientError(message, response.status, error?.code ?? `http_${response.status}`);
  }
  return parsed as T;
}

function unsupportedRoute(method: string, url: URL, response: Response): MoorClientError {
  const what = response.headers.get("content-type")?.includes("text/html")
    ? "a web page"
    : "something that is not JSON";
  return new MoorClientError(
    `${method} ${url.pathname} is not supported by this server (it answered with ${what})`,
    response.status,
    "unsupported",
  );
}

/** Adds `?auth_token=` when the client was given one; leaves the URL alone otherwise. */
export function withAuthToken(options: ClientOptions, url: URL): URL {
  if (options.authToken) url.searchParams.set("auth_token", options.authToken);
  return url;
}

export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
