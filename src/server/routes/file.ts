// OpenCode's file routes: list a directory, read a file, git status and branch, text and file-name search. Every
// path is confined to the request's directory (core/files/confine.ts): one outside it is a 403.
import * as z from "zod";
import { findFiles } from "../../core/files/find-files.js";
import { DEFAULT_FIND_LIMIT, findText } from "../../core/files/find-text.js";
import { gitStatus, vcsInfo } from "../../core/files/git-info.js";
import { listDirectory } from "../../core/files/list-directory.js";
import { readFileContent } from "../../core/files/read-content.js";
import { type RouteContext, readQuery, requestDirectory, route } from "../context.js";

const FileNode = z.object({
  name: z.string(),
  path: z.string(),
  absolute: z.string(),
  type: z.enum(["file", "directory"]),
  ignored: z.boolean(),
});
const FileContent = z.object({
  type: z.enum(["text", "binary"]),
  content: z.string(),
  diff: z.string().optional(),
  patch: z
    .object({
      oldFileName: z.string(),
      newFileName: z.string(),
      hunks: z.array(
        z.object({
          oldStart: z.number().int(),
          oldLines: z.number().int(),
          newStart: z.number().int(),
          newLines: z.number().int(),
          lines: z.array(z.string()),
        }),
      ),
    })
    .optional(),
  encoding: z.literal("base64").optional(),
  mimeType: z.string().optional(),
});
const FileStatus = z.object({
  path: z.string(),
  added: z.number().int(),
  removed: z.number().int(),
  status: z.enum(["added", "deleted", "modified"]),
});
const TextMatch = z.object({
  path: z.object({ text: z.string() }),
  lines: z.object({ text: z.string() }),
  line_number: z.number().int(),
  absolute_offset: z.number().int(),
  submatches: z.array(
    z.object({ match: z.object({ text: z.string() }), start: z.number().int(), end: z.number().int() }),
  ),
});
const VcsInfo = z.object({ branch: z.string().optional() });

const PathQuery = z.object({ path: z.string() });
const ListQuery = z.object({ path: z.string().default(".") });
const FindQuery = z.object({
  pattern: z.string().min(1),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const FindFileQuery = z.object({
  query: z.string(),
  dirs: z.enum(["true", "false"]).optional(),
  type: z.enum(["file", "directory"]).optional(),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export function fileRoutes(ctx: RouteContext): void {
  const { deps } = ctx;
  const directoryOf = (c: Parameters<Parameters<typeof route>[2]>[0]) => requestDirectory(c, deps.defaultDirectory);
  route(
    ctx,
    {
      method: "get",
      path: "/file",
      operationId: "file.list",
      summary: "List a directory of the project (directories first; ignored entries marked)",
      tag: "file",
      query: ListQuery,
      response: z.array(FileNode),
    },
    async (c) => c.json(await listDirectory(directoryOf(c), readQuery(c, ListQuery).path)),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/file/content",
      operationId: "file.read",
      summary: "A file's content: text, or base64 for binary; files over 5 MB are refused (413)",
      tag: "file",
      query: PathQuery,
      response: FileContent,
    },
    async (c) => c.json(await readFileContent(directoryOf(c), readQuery(c, PathQuery).path)),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/file/status",
      operationId: "file.status",
      summary: "Files changed since HEAD (git), with lines added and removed; [] outside a git work tree",
      tag: "file",
      response: z.array(FileStatus),
    },
    async (c) => c.json(await gitStatus(directoryOf(c))),
  );
  route(
    ctx,
    {
      method: "get",
      path: "/find",
      operationId: "find.text",
      summary: `Search file contents (ripgrep's match records; at most ${DEFAULT_FIND_LIMIT} unless limit says)`,
      tag: "file",
      query: FindQuery,
      response: z.array(TextMatch),
    },
    async (c) => {
      const query = readQuery(c, FindQuery);
      // The request's signal ends when its client goes away, and the search with it.
      return c.json(await findText(directoryOf(c), query.pattern, query.limit, c.req.raw.signal));
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/find/file",
      operationId: "find.files",
      summary: "File and directory names matching a fuzzy query, best first (directories end with /)",
      tag: "file",
      query: FindFileQuery,
      response: z.array(z.string()),
    },
    async (c) => {
      const query = readQuery(c, FindFileQuery);
      return c.json(
        await findFiles(directoryOf(c), query.query, {
          limit: query.limit,
          dirs: query.dirs === undefined ? undefined : query.dirs === "true",
          type: query.type,
        }),
      );
    },
  );
  route(
    ctx,
    {
      method: "get",
      path: "/vcs",
      operationId: "vcs.get",
      summary: "Version control of the project: its git branch",
      tag: "instance",
      response: VcsInfo,
    },
    async (c) => c.json(await vcsInfo(directoryOf(c))),
  );
}
