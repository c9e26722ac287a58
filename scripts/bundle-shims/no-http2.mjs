// What @hono/node-server imports from node:http2, for a server that never speaks HTTP/2 (listen.ts makes HTTP/1.1
// and HTTPS servers only). node-server uses it only to tell HTTP/2 requests apart, and no request here can be one;
// loading node:http2 for that answer cost 2.3 MB of resident memory at every start (see scripts/bundle.mjs).
export function Http2ServerRequest() {}
Object.defineProperty(Http2ServerRequest, Symbol.hasInstance, { value: () => false });
export const constants = { NGHTTP2_NO_ERROR: 0 };
