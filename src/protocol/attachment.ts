// What a file part a client attaches must look like to be accepted: a media type, and a URL moor can read back
// later (a well-formed data: URL, or a file:/http(s): link). Checked at submission, so a stored part never holds a
// payload that cannot be decoded when the history is replayed to the model.

const URL_SCHEMES = new Set(["data:", "file:", "http:", "https:"]);
const MEDIA_TYPE = /^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/s;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Why a file part's media type and URL are not acceptable, or undefined when they are. */
export function attachmentProblem(part: { mime: string; url: string }): string | undefined {
  if (!MEDIA_TYPE.test(part.mime)) return `"${part.mime.slice(0, 60)}" is not a media type (type/subtype)`;
  if (!URL.canParse(part.url)) return "the url is not a valid URL";
  const scheme = new URL(part.url).protocol;
  if (!URL_SCHEMES.has(scheme)) return `the url scheme ${scheme} is not supported (data:, file:, http:, https:)`;
  return scheme === "data:" ? dataUrlProblem(part.url) : undefined;
}

function dataUrlProblem(url: string): string | undefined {
  const comma = url.indexOf(",");
  if (comma === -1) return "the data: URL has no comma before its payload";
  const header = url.slice(5, comma);
  const body = url.slice(comma + 1);
  if (BAD_ESCAPE.test(body)) return "the data: URL payload has a malformed %-escape";
  if (!/;\s*base64\s*$/i.test(header)) return undefined;
  const compact = body.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  const base64 = compact.replace(/\s+/g, "");
  if (!BASE64.test(base64) || base64.length % 4 === 1) return "the data: URL payload is not valid base64";
  return undefined;
}
