// `moor trust [dir]`: lets a project's own config apply in full (see config/untrusted-project.ts for what an
// untrusted one may not do). `--list` prints the trusted directories, `--revoke` removes one. One line out.
import { homedir } from "node:os";
import { resolvePaths } from "../config/paths.js";
import { listTrusted, revokeTrust, trustDirectory } from "../config/trust.js";
import { UsageError } from "./output.js";

export interface TrustOptions {
  list?: boolean;
  revoke?: boolean;
}

export default async function trust(dir: string | undefined, options: TrustOptions): Promise<void> {
  const paths = resolvePaths(process.env, homedir());
  if (options.list) {
    if (dir !== undefined || options.revoke) throw new UsageError("--list takes no directory and no --revoke");
    const list = listTrusted(paths);
    process.stdout.write(list.length > 0 ? `${list.join("\n")}\n` : "");
    if (list.length === 0) process.stderr.write("no trusted directories\n");
    return;
  }
  const directory = dir ?? process.cwd();
  if (options.revoke) {
    process.stdout.write(`revoked ${revokeTrust(paths, directory)}\n`);
    return;
  }
  process.stdout.write(`trusted ${trustDirectory(paths, directory)}\n`);
}
