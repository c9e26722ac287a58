// The page's MoorClient: same origin, and the `?auth_token=` the page was opened with (when it was), so REST calls
// and the event stream authenticate like the page did. Basic auth done by the browser needs nothing: same-origin
// fetches carry it.
import { MoorClient } from "../client/index.js";

export function pageClient(location: Location = window.location): MoorClient {
  const authToken = new URLSearchParams(location.search).get("auth_token") ?? undefined;
  return new MoorClient({ baseUrl: location.origin, authToken, timeoutMs: 15_000 });
}
