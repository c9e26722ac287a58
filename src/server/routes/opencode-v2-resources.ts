// The rest of OpenCode's v2 `/api/*` routes the @opencode-ai/sdk v2 client calls: file reads (`fs`), pending
// permissions and questions across sessions, one provider, and the login/terminal features moor does not have.
// Each answers `{location, data}` as OpenCode 1.18.33 does (test/compat/fixtures/opencode-1.18.33/api-*.json);
// what moor lacks answers a 400 InvalidRequestError saying it is not supported:
// terminals (pty; moor runs commands only as the agent's tool), key/OAuth logins and stored credentials (moor's
// keys come from its config), and the v2 event stream (moor's is GET /event).
import type { Context } from "hono";
import { findFiles } from "../../core/files/find-files.js";
import { listDirectory } from "../../core/files/list-directory.js";
import { readFileContent } from "../../core/files/read-content.js";
import { type RouteContext, requestDirectory, route } from "../context.js";
import { HttpError } from "../errors.js";
import { inV2Shape, v2Error, v2NotSupported, v2Permission } from "./opencode-v2-wire.js";

interface ListedProvider {
  id: string;
  name: string;
  options: { baseURL?: string };
  models: Record<string, { api: { npm: string } }>;
}

export function opencodeV2ResourceRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  const tag = "v2";
  const location = (directory: string) => ({ directory, project: { id: "global", directory } });
  const located = (
    method: "get" | "post" | "put" | "patch" | "delete",
    path: string,
    operationId: string,
    summary: string,
    data: (c: Context, directory: string) => unknown,
  ) =>
    route(ctx, { method, path, operationId, summary, tag }, (c) =>
      inV2Shape(c, "NotFoundError", async () => {
        const directory = requestDirectory(c, deps.defaultDirectory);
        const value = await data(c, directory);
        if (value instanceof Response) return value;
        return c.json({ location: location(directory), data: value });
      }),
    );
  const unsupported = (
    method: "get" | "post" | "put" | "patch" | "delete",
    path: string,
    operationId: string,
    what: string,
  ) =>
    route(ctx, { method, path, operationId, summary: `${what} (not supported)`, tag }, (c) =>
      v2NotSupported(c, operationId.replace(/^v2\./, ""), what),
    );

  located("get", "/api/fs/list", "v2.fs.list", "A directory's entries", async (c, directory) =>
    (await listDirectory(directory, c.req.query("path") ?? ".")).map((node) => ({
      path: node.type === "directory" ? `${node.path}/` : node.path,
      type: node.type,
    })),
  );
  located("get", "/api/fs/find", "v2.fs.find", "Files whose path matches", async (c, directory) =>
    (await findFiles(directory, c.req.query("query") ?? "", { limit: 100 })).map((path) => ({
      path,
      type: path.endsWith("/") ? "directory" : "file",
    })),
  );
  // OpenCode answers the file's bytes themselves; moor reads text files (binary ones come back base64, as /file/content).
  route(
    ctx,
    { method: "get", path: "/api/fs/read/*", operationId: "v2.fs.read", summary: "A file's content", tag },
    (c) =>
      inV2Shape(c, "NotFoundError", async () => {
        const directory = requestDirectory(c, deps.defaultDirectory);
        const path = decodedPath(c.req.path.slice("/api/fs/read/".length));
        const content = await readFileContent(directory, path);
        if (content.type === "text") return c.text(content.content);
        return c.body(Buffer.from(content.content, "base64"), 200, { "content-type": content.mimeType });
      }),
  );
  located("get", "/api/permission/request", "v2.permission.request", "Pending permissions", async () =>
    (await deps.core.gate.pending()).map(v2Permission),
  );
  // moor's `always` answers last for their session and are not kept as project-wide rules: none are saved.
  route(
    ctx,
    {
      method: "get",
      path: "/api/permission/saved",
      operationId: "v2.permission.saved",
      summary: "Saved permissions (none)",
      tag,
    },
    (c) => c.json({ data: [] }),
  );
  route(
    ctx,
    {
      method: "delete",
      path: "/api/permission/saved/:id",
      operationId: "v2.permission.saved.delete",
      summary: "Forget a saved permission",
      tag,
    },
    (c) => v2Error(c, 404, "PermissionNotFoundError", "not_found", `Saved permission not found: ${c.req.param("id")}`),
  );
  located("get", "/api/question/request", "v2.question.request", "Open questions (none)", () => []);
  located("get", "/api/provider/:providerID", "v2.provider.get", "One provider", (c) => {
    const providerID = c.req.param("providerID") ?? "";
    const listed = ((deps.providers?.() ?? { providers: [] }) as { providers: ListedProvider[] }).providers;
    const provider = listed.find((entry) => entry.id === providerID);
    if (!provider) return v2Error(c, 404, "ProviderNotFoundError", "not_found", `Provider not found: ${providerID}`);
    return {
      id: provider.id,
      name: provider.name,
      // No secrets: OpenCode echoes the apiKey in `settings`; moor never sends one to a client.
      api: {
        type: "aisdk",
        package: Object.values(provider.models)[0]?.api.npm ?? "@ai-sdk/openai-compatible",
        url: provider.options.baseURL ?? "",
        settings: {},
      },
      request: { headers: {}, body: {} },
    };
  });
  // No login integrations in moor (GET /api/integration is empty): each one asked for is `null`, as OpenCode answers.
  located("get", "/api/integration/:integrationID", "v2.integration.get", "One login integration (none)", () => null);
  unsupported(
    "post",
    "/api/integration/:integrationID/connect/key",
    "v2.integration.connect.key",
    "Logging in with a key (moor reads keys from its config)",
  );
  unsupported("post", "/api/integration/:integrationID/connect/oauth", "v2.integration.connect.oauth", "OAuth login");
  unsupported("get", "/api/integration/attempt/:attemptID", "v2.integration.attempt.get", "OAuth login");
  unsupported("delete", "/api/integration/attempt/:attemptID", "v2.integration.attempt.cancel", "OAuth login");
  unsupported("post", "/api/integration/attempt/:attemptID/complete", "v2.integration.attempt.complete", "OAuth login");
  unsupported(
    "patch",
    "/api/credential/:credentialID",
    "v2.credential.update",
    "Stored credentials (moor reads keys from its config)",
  );
  unsupported(
    "delete",
    "/api/credential/:credentialID",
    "v2.credential.remove",
    "Stored credentials (moor reads keys from its config)",
  );
  unsupported("get", "/api/event", "v2.event.subscribe", "The v2 event stream (moor's is GET /event)");
  located("get", "/api/pty", "v2.pty.list", "Terminals (none: moor has no terminal feature)", () => []);
  unsupported("post", "/api/pty", "v2.pty.create", "Terminals (pty)");
  unsupported("get", "/api/pty/:ptyID", "v2.pty.get", "Terminals (pty)");
  unsupported("put", "/api/pty/:ptyID", "v2.pty.update", "Terminals (pty)");
  unsupported("delete", "/api/pty/:ptyID", "v2.pty.remove", "Terminals (pty)");
  unsupported("post", "/api/pty/:ptyID/connect-token", "v2.pty.connectToken", "Terminals (pty)");
  unsupported("get", "/api/pty/:ptyID/connect", "v2.pty.connect", "Terminals (pty)");
}

/** The file path of a read, percent-decoded: a malformed escape is the client's mistake (a 400), not a URIError's 500. */
function decodedPath(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    throw new HttpError(400, "bad_request", `the path is not valid URL encoding: ${encoded}`);
  }
}
