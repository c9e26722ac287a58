// Hostile HTTP requests for the fuzz tests: every route the server lists in /doc, with ids, query strings, headers
// and bodies a careless or malicious client might send. Whatever comes in, the answer must be a 4xx with
// `{error:{code,message}}` or a success, never a 5xx (DESIGN.md §4).
import fc from "fast-check";

export interface RouteTemplate {
  method: string;
  /** Hono form: `/session/:sessionID`. */
  path: string;
}

export interface HostileRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The ids the server really holds, so some requests reach the handlers past the "not found" check. */
export interface KnownIds {
  sessionID: string;
  messageID: string;
}

/** Streams are fuzzed on their own (they never end); everything else the document lists is fair game. */
const STREAMS = new Set(["/event", "/global/event"]);

/** The routes from GET /doc (OpenAPI paths back to Hono form), with methods the document does not list too. */
export function routesFromDoc(doc: { paths: Record<string, Record<string, unknown>> }): RouteTemplate[] {
  const routes: RouteTemplate[] = [];
  for (const [path, operations] of Object.entries(doc.paths)) {
    const hono = path.replace(/\{(\w+)\}/g, ":$1");
    if (STREAMS.has(hono)) continue;
    for (const method of Object.keys(operations)) routes.push({ method: method.toUpperCase(), path: hono });
  }
  return routes;
}

const PROTO_KEYS = ["__proto__", "constructor", "toString", "prototype", "valueOf", "hasOwnProperty"];

const weirdString = fc.oneof(
  fc.constantFrom(...PROTO_KEYS, "", " ", "\u0000", "..", "../..", "null", "undefined", "NaN", "-1", "1e309"),
  fc.string(),
  fc.string({ unit: "grapheme" }),
  // Any code point, lone surrogates included.
  fc.string({ unit: "binary" }),
  fc.string({ unit: "binary", minLength: 500, maxLength: 3000 }),
);

const json = fc.jsonValue({ maxDepth: 3 });

/** An object whose keys are often the ones that break naive `obj[key]` code. */
const protoObject = fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string()), json, { maxKeys: 5 });

const anyValue = fc.oneof(json, protoObject, weirdString);

const partInput = fc.oneof(
  fc.record(
    { type: fc.constant("text"), text: fc.oneof(weirdString, anyValue), id: anyValue, synthetic: anyValue },
    { requiredKeys: ["type", "text"] },
  ),
  fc.record(
    {
      type: fc.oneof(fc.constant("file"), weirdString),
      mime: anyValue,
      url: fc.oneof(weirdString, fc.webUrl()),
      filename: anyValue,
    },
    { requiredKeys: ["type"] },
  ),
  anyValue,
);

/** Near-valid bodies for each route's schema, with fields of the wrong type or value mixed in. */
const shapedBody = fc.oneof(
  fc.record(
    {
      parts: fc.oneof(fc.array(partInput, { maxLength: 4 }), anyValue),
      messageID: anyValue,
      model: fc.oneof(fc.record({ providerID: weirdString, modelID: weirdString }), anyValue),
      agent: fc.oneof(fc.constantFrom("build", "plan"), anyValue),
      noReply: anyValue,
      tools: fc.oneof(fc.dictionary(weirdString, fc.boolean()), anyValue),
      system: anyValue,
      variant: anyValue,
    },
    { requiredKeys: [] },
  ),
  fc.record({ title: anyValue, parentID: anyValue }, { requiredKeys: [] }),
  fc.record({ reply: fc.oneof(fc.constantFrom("once", "always", "reject"), anyValue), message: anyValue }),
  fc.record({ response: fc.oneof(fc.constantFrom("once", "always", "reject"), anyValue) }),
  fc.record({ messageID: anyValue }, { requiredKeys: [] }),
  fc.record({ command: anyValue, arguments: anyValue, agent: anyValue }, { requiredKeys: [] }),
);

const malformedJson = fc.oneof(
  fc.constantFrom(
    "{",
    '{"parts":',
    "[1,]",
    "{'a':1}",
    "undefined",
    "NaN",
    "\u0000",
    '{"a":1}{"b":2}',
    '{"title":"\\ud800"}',
    "\ufeff{}",
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
  ),
  fc.string(),
  fc.string({ unit: "binary" }),
);

/** Nesting far deeper than any schema: arrays, objects and a mix, inside a field a route reads. */
const deepJson = fc
  .tuple(fc.integer({ min: 1_000, max: 50_000 }), fc.constantFrom("parts", "title", "reply", "model"))
  .chain(([depth, field]) =>
    fc.constantFrom(
      `{"${field}":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      `{"${field}":${'{"a":'.repeat(depth)}1${"}".repeat(depth)}}`,
      `${"[".repeat(depth)}${"]".repeat(depth)}`,
    ),
  );

/** Large strings in the fields routes store (the app's body limit is lowered in tests, so some are 413s). */
const hugeBody = fc
  .tuple(fc.integer({ min: 50_000, max: 400_000 }), fc.constantFrom("title", "text", "system", "message"))
  .map(([size, field]) => {
    const big = "é\u{1F600}x".repeat(Math.ceil(size / 4));
    if (field === "text") return JSON.stringify({ parts: [{ type: "text", text: big }] });
    return JSON.stringify({ [field]: big, parts: [{ type: "text", text: "hi" }] });
  });

export const bodyText: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 6, arbitrary: shapedBody.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: anyValue.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: malformedJson },
  { weight: 1, arbitrary: deepJson },
  { weight: 1, arbitrary: hugeBody },
  { weight: 1, arbitrary: fc.constant(undefined) },
  { weight: 1, arbitrary: fc.constant("") },
);

const contentType = fc.constantFrom(
  undefined,
  "application/json",
  "application/json; charset=utf-8",
  "application/json; charset=utf-16",
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=xyz",
  "garbage/;;;",
  "",
);

/** Percent-encodes the UTF-8 bytes (lone surrogates become U+FFFD), or leaves some raw `%` and spaces in. */
function pathSegment(value: string, raw: boolean): string {
  if (raw) return value.replace(/[/?#\s]/g, "_");
  return [...Buffer.from(value, "utf8")].map((byte) => `%${byte.toString(16).padStart(2, "0")}`).join("");
}

function idFor(known: KnownIds) {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(known.sessionID, known.messageID, "ses_missing", "per_missing") },
    { weight: 3, arbitrary: weirdString },
    { weight: 1, arbitrary: fc.constantFrom("%", "%zz", "%E0%A4%A", "%00", "%2F..%2F", "%C0%AF") },
  );
}

const queryValue = fc.oneof(weirdString, fc.constantFrom("0", "-5", "1.5", "99999999999999999999", "abc"));

/** A request to one of `routes`, built from hostile pieces. */
export function hostileRequest(routes: RouteTemplate[], known: KnownIds): fc.Arbitrary<HostileRequest> {
  return fc
    .record({
      route: fc.constantFrom(...routes),
      ids: fc.array(fc.tuple(idFor(known), fc.boolean()), { minLength: 2, maxLength: 2 }),
      body: bodyText,
      contentType,
      directory: fc.option(fc.tuple(weirdString, fc.boolean()), { freq: 4 }),
      limit: fc.option(queryValue, { freq: 4 }),
      directoryHeader: fc.option(fc.oneof(weirdString, fc.constantFrom("%", "%E0%A4%A", "%2Ftmp")), { freq: 4 }),
    })
    .map(({ route, ids, body, contentType, directory, limit, directoryHeader }) => {
      let index = 0;
      let path = route.path.replace(/:\w+/g, () => {
        const [id, raw] = ids[index++ % ids.length];
        return pathSegment(id, raw);
      });
      const query: string[] = [];
      if (directory) query.push(`directory=${pathSegment(directory[0], directory[1])}`);
      if (limit !== null) query.push(`limit=${pathSegment(limit, false)}`);
      if (query.length) path += `?${query.join("&")}`;
      const headers: Record<string, string> = {};
      if (contentType !== undefined) headers["content-type"] = contentType;
      // Header values must be Latin-1 without control characters; anything else is the client library's error.
      if (directoryHeader !== null)
        headers["x-opencode-directory"] = encodeURI(directoryHeader.replace(/[\ud800-\udfff]/g, "?"));
      const bodyless = route.method === "GET" || route.method === "HEAD";
      return { method: route.method, path, headers, body: bodyless ? undefined : body };
    });
}

export interface Answer {
  status: number;
  text: string;
}

/** What every answer must satisfy; returns a description of the problem, or undefined when it is fine. */
export function judge(request: HostileRequest, answer: Answer): string | undefined {
  const where = `${request.method} ${request.path.slice(0, 200)} → ${answer.status}`;
  if (answer.status >= 500) return `${where}: a server error: ${answer.text.slice(0, 300)}`;
  if (answer.status >= 400) {
    let body: { error?: { code?: unknown; message?: unknown } };
    try {
      body = JSON.parse(answer.text);
    } catch {
      return `${where}: the error body is not JSON: ${answer.text.slice(0, 300)}`;
    }
    if (typeof body?.error?.code !== "string" || typeof body.error.message !== "string") {
      return `${where}: the error body is not {error:{code,message}}: ${answer.text.slice(0, 300)}`;
    }
    if (/\n\s+at /.test(body.error.message)) return `${where}: a stack trace in the error: ${body.error.message}`;
  }
  return undefined;
}
