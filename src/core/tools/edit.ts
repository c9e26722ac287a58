import * as z from "zod";
import { unifiedDiff } from "./diff.js";
import { displayPath, resolveInside } from "./paths.js";
import { type ToolDefinition, ToolError } from "./tool.js";
import { fileChangeMetadata, readExisting, writeThrough } from "./write.js";

const Input = z.object({
  filePath: z.string().describe("Path of the file to edit"),
  oldString: z.string().describe("The exact text to replace (include enough context to make it unique)"),
  newString: z.string().describe("The text to put in its place"),
  replaceAll: z.boolean().optional().describe("Replace every occurrence instead of requiring a unique match"),
});

function countOccurrences(text: string, search: string): number {
  let count = 0;
  for (let at = text.indexOf(search); at !== -1; at = text.indexOf(search, at + search.length)) count++;
  return count;
}

export function createEditTool(): ToolDefinition<z.infer<typeof Input>> {
  return {
    name: "edit",
    description:
      "Replace an exact string in a file. oldString must match exactly once unless replaceAll is set; an empty oldString creates a new file.",
    parameters: Input,
    async execute(input, ctx) {
      if (input.oldString === input.newString)
        throw new ToolError("oldString and newString are the same; nothing to change");
      const path = await resolveInside(ctx, input.filePath);
      const name = displayPath(ctx, path);
      const before = await readExisting(path, ctx.editorFs?.readTextFile);
      let after: string;
      if (before === undefined) {
        if (input.oldString !== "") throw new ToolError(`File not found: ${input.filePath}`);
        after = input.newString;
      } else if (input.oldString === "") {
        throw new ToolError(`${name} already exists; give the oldString to replace, or use write`);
      } else {
        const count = countOccurrences(before, input.oldString);
        if (count === 0) throw new ToolError(`oldString not found in ${name}; read the file and copy the text exactly`);
        if (count > 1 && !input.replaceAll) {
          throw new ToolError(
            `oldString found ${count} times in ${name}; give more surrounding context to make it unique, or set replaceAll`,
          );
        }
        after = input.replaceAll
          ? before.split(input.oldString).join(input.newString)
          : before.replace(input.oldString, () => input.newString);
      }
      const diff = unifiedDiff(name, before ?? "", after);
      await ctx.ask({ permission: "edit", patterns: [path], metadata: { filepath: path, diff: diff.patch } });
      await writeThrough(ctx, path, after);
      return {
        title: name,
        output: `Edited ${name}: +${diff.additions} -${diff.deletions}.`,
        metadata: fileChangeMetadata(path, before, diff),
      };
    },
  };
}
