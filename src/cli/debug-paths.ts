import { loadContext } from "./context.js";
import { diskUse, formatBytes } from "./disk-use.js";

export default async function debugPaths(): Promise<void> {
  const { paths } = await loadContext();
  const width = Math.max(...Object.keys(paths).map((key) => key.length), "snapshot use".length);
  for (const [key, value] of Object.entries(paths)) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
  // The shadow repositories grow with the projects' history (pruned after a week): say what they take.
  process.stdout.write(`${"snapshot use".padEnd(width)}  ${formatBytes(await diskUse(paths.snapshot))}\n`);
}
