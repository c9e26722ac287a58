// Wire shapes of the formatter and language-server routes (OpenCode's FormatterStatus, LSPStatus and Symbol).
import * as z from "zod";

export const FormatterStatus = z.object({
  name: z.string(),
  extensions: z.array(z.string()),
  enabled: z.boolean(),
});
export type FormatterStatus = z.infer<typeof FormatterStatus>;

export const LspStatus = z.object({
  id: z.string(),
  name: z.string(),
  root: z.string(),
  status: z.enum(["connected", "error"]),
});
export type LspStatus = z.infer<typeof LspStatus>;

const Position = z.object({ line: z.number().int().min(0), character: z.number().int().min(0) });
export const LspRange = z.object({ start: Position, end: Position });

export const WorkspaceSymbol = z.object({
  name: z.string(),
  kind: z.number().int().min(0),
  location: z.object({ uri: z.string(), range: LspRange }),
});
export type WorkspaceSymbol = z.infer<typeof WorkspaceSymbol>;

export const SymbolQuery = z.object({ query: z.string() });
