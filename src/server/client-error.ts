// Requests rejected before the app sees them: by Node's HTTP parser (a header section over 16 KB, a URL too long,
// malformed framing, a header timeout) or by node-server (a request target it cannot make a URL of). Their own
// answers are a bare status line; these carry the same `{error:{code,message}}` body as every other client
// mistake (DESIGN.md §4). Found by test/adversarial/http-fuzz.test.ts.
import type { Socket } from "node:net";
import type { ErrorBody } from "../protocol/index.js";

const REJECTIONS: Record<string, { status: number; reason: string; message: string }> = {
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: "Request Header Fields Too Large",
    message: "The request line and headers are over the server's size limit",
  },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: {
    status: 413,
    reason: "Payload Too Large",
    message: "The chunk extensions are over the server's size limit",
  },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: "Request Timeout", message: "The request took too long to arrive" },
};

const MALFORMED = { status: 400, reason: "Bad Request", message: "The request is not valid HTTP" };

/** The handler for a server's `clientError` event. */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  // A response whose head is already written on this socket (or a reset connection) cannot be followed by another one.
  const busy = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent;
  if (error.code === "ECONNRESET" || !socket.writable || busy) {
    socket.destroy();
    return;
  }
  const rejection = (error.code ? REJECTIONS[error.code] : undefined) ?? MALFORMED;
  const code = rejection.status === 413 ? "payload_too_large" : "bad_request";
  const body: ErrorBody = { error: { code, message: rejection.message } };
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${rejection.status} ${rejection.reason}\r\n` +
      "content-type: application/json\r\n" +
      `content-length: ${Buffer.byteLength(text)}\r\n` +
      "connection: close\r\n\r\n" +
      text,
  );
  // A client that never closes its side would hold the socket open.
  setTimeout(() => socket.destroy(), 2000).unref();
}

/**
 * node-server's `errorHandler`: a request line it cannot turn into a URL (a backslash in the path, a Host that
 * does not parse) gets the same JSON 400 instead of node-server's empty one.
 */
export function answerUnparsableRequest(error: unknown): Response {
  const invalid = (error as Error)?.name === "RequestError";
  const body: ErrorBody = invalid
    ? { error: { code: "bad_request", message: `The request target is not valid: ${(error as Error).message}` } }
    : { error: { code: "internal", message: "Internal error" } };
  return new Response(JSON.stringify(body), {
    status: invalid ? 400 : 500,
    headers: { "content-type": "application/json" },
  });
}
