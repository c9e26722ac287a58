import { describeKeyReports, reportConfigKeys } from "../config/key-report.js";
import { maskSecrets } from "../config/mask.js";
import { loadContext } from "./context.js";
import { describeHeldBack } from "./held-back.js";

export default async function debugConfig(options: { dir: string }): Promise<void> {
  const context = await loadContext({ directory: options.dir });
  const sources = context.configSources.length > 0 ? context.configSources.join(", ") : "(no config files)";
  process.stderr.write(`# merged from: ${sources}\n`);
  // On stderr, as comments: stdout stays the config alone, for jq and friends.
  for (const line of describeHeldBack(context)) process.stderr.write(`# ${line}\n`);
  for (const line of describeKeyReports(reportConfigKeys(context.configSources))) process.stderr.write(`# ${line}\n`);
  process.stdout.write(`${JSON.stringify(maskSecrets(context.config), null, 2)}\n`);
}
