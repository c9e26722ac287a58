// GET /file/content in OpenCode's FileContent shape: `{type:"text", content}` for text (with `diff` and `patch`
// against HEAD when git tracks it and it changed), `{type:"binary", content
// (base64), encoding:"base64", mimeType}` for anything with a NUL byte. A file over MAX_CONTENT_BYTES is refused
// with payload_too_large (a 413) rather than read into memory.
import { readFile, stat } from "node:fs/promises";
import { extname } from "node:path";
import { CoreError } from "../errors.js";
import { looksBinary } from "../tools/read.js";
import { confine } from "./confine.js";
import { diffAgainstHead, type StructuredPatch } from "./content-diff.js";

export const MAX_CONTENT_BYTES = 5 * 1024 * 1024;

export type FileContent =
  | { type: "text"; content: string; diff?: string; patch?: StructuredPatch }
  | { type: "binary"; content: string; encoding: "base64"; mimeType: string };

const MIME_TYPES: Record<string, string> = {
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".wasm": "application/wasm",
};

export async function readFileContent(directory: string, path: string): Promise<FileContent> {
  const target = await confine(directory, path);
  const info = await stat(target.absolute).catch(() => undefined);
  if (!info) throw new CoreError("not_found", `no such file: ${path}`);
  if (!info.isFile()) throw new CoreError("bad_request", `not a file: ${path}`);
  if (info.size > MAX_CONTENT_BYTES) {
    throw new CoreError(
      "payload_too_large",
      `${path} is ${(info.size / 1024 / 1024).toFixed(1)} MB; files over ${MAX_CONTENT_BYTES / 1024 / 1024} MB are not served`,
    );
  }
  const bytes = await readFile(target.absolute).catch(() => {
    throw new CoreError("not_found", `cannot read ${path}`);
  });
  if (looksBinary(bytes)) {
    const mimeType = MIME_TYPES[extname(target.absolute).toLowerCase()] ?? "application/octet-stream";
    return { type: "binary", content: bytes.toString("base64"), encoding: "base64", mimeType };
  }
  const content = bytes.toString("utf8");
  const changed = await diffAgainstHead(target.root, target.relative, content);
  return changed ? { type: "text", content, ...changed } : { type: "text", content };
}
