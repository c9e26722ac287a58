import * as z from "zod";
import type { ToolDefinition } from "./tool.js";
import { ToolError } from "./tool.js";
import { decodeBody, htmlToMarkdown, htmlToText, isHtml, isTextContentType, looksBinary } from "./web-content.js";

/** Bodies beyond this are refused while streaming: the rest is never read, so memory stays bounded. */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const MAX_TIMEOUT_SECONDS = 120;
/** Redirects followed by hand (each target checked as http(s)); a loop ends here with a clear error. */
export const MAX_REDIRECTS = 10;

const Input = z.object({
  url: z.string().describe("The URL to fetch content from"),
  format: z
    .enum(["text", "markdown", "html"])
    .default("markdown")
    .describe("The format to return the content in (text, markdown, or html). Defaults to markdown."),
  timeout: z.number().positive().optional().describe(`Optional timeout in seconds (max ${MAX_TIMEOUT_SECONDS})`),
});

const DESCRIPTION = `- Fetches content from a specified URL
- Takes a URL and a format as input
- Fetches the URL content, converts HTML to the requested format (markdown by default)
- Returns the content in the specified format
- Use this tool when you need to retrieve and analyze web content

Usage notes:
  - IMPORTANT: if another tool is present that offers better web fetching capabilities, is more targeted to the task, or has fewer restrictions, prefer using that tool instead of this one.
  - The URL must be a fully-formed valid URL starting with http:// or https://
  - Format options: "markdown" (default), "text", or "html"
  - Binary content (images, archives, PDFs) is refused; bodies over 5 MB are refused
  - This tool is read-only and does not modify any files`;

const ACCEPT: Record<z.infer<typeof Input>["format"], string> = {
  markdown: "text/markdown;q=1.0, text/x-markdown;q=0.9, text/plain;q=0.8, text/html;q=0.7, */*;q=0.1",
  text: "text/plain;q=1.0, text/markdown;q=0.9, text/html;q=0.8, */*;q=0.1",
  html: "text/html;q=1.0, application/xhtml+xml;q=0.9, text/plain;q=0.8, */*;q=0.1",
};

function parseHttpUrl(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ToolError(`${what} is not a valid URL: ${raw}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ToolError(`${what} must start with http:// or https:// (got ${url.protocol}): ${raw}`);
  }
  return url;
}

/** Reads the body, refusing it as soon as it grows past the limit (a lying or missing Content-Length included). */
async function readCapped(response: Response): Promise<Uint8Array> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    await response.body?.cancel().catch(() => {});
    throw new ToolError(`Response too large: ${declared} bytes (limit ${MAX_BODY_BYTES} bytes, 5 MB)`);
  }
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => {});
      throw new ToolError(`Response too large: more than ${MAX_BODY_BYTES} bytes (limit 5 MB)`);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

export function createWebFetchTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "webfetch",
    description: DESCRIPTION,
    parameters: Input,
    async execute(input, ctx) {
      const start = parseHttpUrl(input.url, "URL");
      const format = input.format ?? "markdown";
      const timeoutSeconds = Math.min(input.timeout ?? DEFAULT_TIMEOUT_SECONDS, MAX_TIMEOUT_SECONDS);
      await ctx.ask({
        permission: "webfetch",
        patterns: [start.href],
        always: ["*"],
        metadata: { url: start.href, format, timeout: timeoutSeconds },
      });
      const controller = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutSeconds * 1000);
      const onAbort = () => controller.abort();
      ctx.abort.addEventListener("abort", onAbort, { once: true });
      try {
        let url = start;
        let response: Response;
        for (let hop = 0; ; hop++) {
          response = await fetch(url, {
            redirect: "manual",
            signal: controller.signal,
            headers: { Accept: ACCEPT[format], "User-Agent": "moor-webfetch", "Accept-Language": "en-US,en;q=0.9" },
          });
          const location = response.headers.get("location");
          if (response.status < 300 || response.status >= 400 || location === null) break;
          await response.body?.cancel().catch(() => {});
          if (hop >= MAX_REDIRECTS)
            throw new ToolError(`Too many redirects (more than ${MAX_REDIRECTS}) from ${start}`);
          url = parseHttpUrl(new URL(location, url).href, "Redirect target");
        }
        if (!response.ok) {
          await response.body?.cancel().catch(() => {});
          throw new ToolError(`Request failed with status ${response.status} ${response.statusText} for ${url}`);
        }
        const contentType = response.headers.get("content-type") ?? "";
        if (!isTextContentType(contentType)) {
          await response.body?.cancel().catch(() => {});
          throw new ToolError(
            `Binary content (${contentType.split(";")[0]}) cannot be fetched as ${format}: webfetch reads text and HTML only`,
          );
        }
        const bytes = await readCapped(response);
        if (looksBinary(bytes)) {
          throw new ToolError(
            `Binary content at ${url} cannot be fetched as ${format}: webfetch reads text and HTML only`,
          );
        }
        const body = decodeBody(bytes, contentType);
        const output =
          format === "html" || !isHtml(contentType)
            ? body
            : format === "markdown"
              ? await htmlToMarkdown(body)
              : htmlToText(body);
        return {
          title: `${url.href} (${contentType || "unknown type"})`,
          output,
          metadata: { url: url.href, status: response.status, contentType, bytes: bytes.byteLength, format },
        };
      } catch (error) {
        if (timedOut) throw new ToolError(`Request timed out after ${timeoutSeconds} s: ${input.url}`);
        if (ctx.abort.aborted) throw new Error("Fetch aborted");
        if (error instanceof ToolError) throw error;
        throw new ToolError(`Fetch failed for ${input.url}: ${(error as Error).message}`);
      } finally {
        clearTimeout(timer);
        ctx.abort.removeEventListener("abort", onAbort);
      }
    },
  };
}
