// NODE_EXTRA_CA_CERTS, applied by moor instead of by Node at start. Node 20 reads the variable before any JavaScript
// runs and, when it is set, parses its ~140 bundled root certificates and the file's right away (OpenSSL 3 is slow
// at it: nodejs/node#40524): ~40 ms of CPU in every start here, for a command that may never open a TLS connection
// (`moor acp` answering an editor, issue 18 §5). Without the variable Node parses its roots on the first TLS use.
// So the launcher's shell line starts Node without it (MOOR_DEFERRED_CA_CERTS carries the path), and this file
// puts it back in the environment (the commands, MCP servers and hooks moor starts see it as the user set it) and
// adds the file's certificates to what this process's TLS trusts once TLS is first reached, as Node would have.
const Module = require("node:module");

/** What tls.createSecureContext turns into the context itself; with none of them, a context can be shared. */
const CONTEXT_OPTIONS = [
  "ca",
  "cert",
  "key",
  "pfx",
  "passphrase",
  "ciphers",
  "sigalgs",
  "crl",
  "dhparam",
  "ecdhCurve",
  "clientCertEngine",
  "privateKeyEngine",
  "privateKeyIdentifier",
  "sessionIdContext",
  "sessionTimeout",
  "ticketKeys",
  "secureOptions",
  "honorCipherOrder",
  "minVersion",
  "maxVersion",
  "secureProtocol",
];

/** The modules through which code reaches TLS; fetch loads Node's own TLS on its first call. */
const TLS_MODULES = new Set(["tls", "https", "http2", "node:tls", "node:https", "node:http2"]);

/** Restores NODE_EXTRA_CA_CERTS from MOOR_DEFERRED_CA_CERTS and trusts its certificates from TLS's first use. */
exports.applyDeferredCaCerts = function applyDeferredCaCerts() {
  const file = process.env.MOOR_DEFERRED_CA_CERTS;
  delete process.env.MOOR_DEFERRED_CA_CERTS;
  if (!file) return;
  process.env.NODE_EXTRA_CA_CERTS = file;
  let trusted = false;
  const trustOnce = () => {
    if (trusted) return;
    trusted = true;
    trustExtraCaCerts(require("node:tls"), file);
  };
  const load = Module._load;
  Module._load = function loadNotingTls(request, ...rest) {
    if (TLS_MODULES.has(request)) trustOnce();
    return load.call(this, request, ...rest);
  };
  const fetch = globalThis.fetch;
  globalThis.fetch = function fetchTrustingExtraCaCerts(input, init) {
    trustOnce();
    return fetch(input, init);
  };
  // ES-module imports of node:https (`moor attach`'s modules) pass outside Module._load: the caller says so.
  return trustOnce;
};

/**
 * Contexts made without CAs of their own trust Node's roots and the file's certificates, as with the variable set at
 * start; explicit `ca` replaces both, as in Node. Parsing both sets costs ~45 ms, so the contexts that differ in
 * nothing share one, made on first need (Node's own default context is parsed once too).
 */
function trustExtraCaCerts(tls, file) {
  let extra;
  try {
    extra = require("node:fs").readFileSync(file, "latin1");
  } catch (error) {
    // Node's own words and behaviour for a file it cannot read: a warning, and the roots alone.
    process.emitWarning(`Ignoring extra certs from \`${file}\`, load failed: ${error.message}`);
    return;
  }
  const create = tls.createSecureContext;
  let shared;
  const withExtra = (options) => create({ ...options, ca: [...tls.rootCertificates, extra] });
  tls.createSecureContext = function createSecureContextTrustingExtraCaCerts(options) {
    if (options?.ca !== undefined) return create(options);
    if (CONTEXT_OPTIONS.some((name) => options?.[name] !== undefined)) return withExtra(options);
    shared ??= withExtra({});
    return shared;
  };
}
