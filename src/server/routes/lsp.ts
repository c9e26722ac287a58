// The formatters and language servers of a directory (OpenCode's GET /formatter and GET /lsp), and workspace symbols
// through the language servers (GET /find/symbol, OpenCode's filter: definitions only, the first ten).
import * as z from "zod";
import { FormatterStatus, LspStatus, SymbolQuery, WorkspaceSymbol } from "../../protocol/lsp.js";
import { type RouteContext, readQuery, requestDirectory, route } from "../context.js";

/** LSP SymbolKind: Class, Method, Enum, Interface, Function, Variable, Constant, Struct (as OpenCode keeps). */
const DEFINITION_KINDS = new Set([5, 6, 10, 11, 12, 13, 14, 23]);
const SYMBOL_LIMIT = 10;

export function lspRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  route(
    ctx,
    {
      method: "get",
      path: "/formatter",
      operationId: "formatter.status",
      summary: "The formatters of the directory, and whether each is enabled",
      tag: "instance",
      response: z.array(FormatterStatus),
    },
    (c) => c.json(deps.core.formatters?.status(requestDirectory(c, deps.defaultDirectory)) ?? []),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/lsp",
      operationId: "lsp.status",
      summary: "The language servers running for the directory",
      tag: "instance",
      response: z.array(LspStatus),
    },
    (c) => c.json(deps.core.lsp?.status(requestDirectory(c, deps.defaultDirectory)) ?? []),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/find/symbol",
      operationId: "find.symbols",
      summary: "Workspace symbols (functions, classes, variables) matching the query, from the language servers",
      tag: "file",
      query: SymbolQuery,
      response: z.array(WorkspaceSymbol),
    },
    async (c) => {
      const { query } = readQuery(c, SymbolQuery);
      const lsp = deps.core.lsp;
      if (!lsp) return c.json([]);
      const symbols = await lsp.workspaceSymbol(query, requestDirectory(c, deps.defaultDirectory));
      const found = symbols.filter((symbol) => DEFINITION_KINDS.has(symbol.kind)).slice(0, SYMBOL_LIMIT);
      return c.json(found.map(({ name, kind, location }) => ({ name, kind, location })));
    },
  );
}
