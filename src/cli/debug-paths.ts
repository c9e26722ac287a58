import { loadContext } from "./context.js";

export default async function debugPaths(): Promise<void> {
  const { paths } = await loadContext();
  const width = Math.max(...Object.keys(paths).map((key) => key.length));
  for (const [key, value] of Object.entries(paths)) process.stdout.write(`${key.padEnd(width)}  ${value}\n`);
}
