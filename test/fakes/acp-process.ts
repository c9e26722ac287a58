// Starts a real `moor acp` child in a project, as an editor would, and gives the ACP SDK's stream over its stdio.
import { type ChildProcess, spawn } from "node:child_process";
import { Readable, Writable } from "node:stream";
import { ndJsonStream } from "@agentclientprotocol/sdk";
import { MOOR_BIN } from "./moor-process.js";

export function spawnAcp(
  home: { env: Record<string, string>; project: string },
  args: string[] = [],
): { child: ChildProcess; stream: ReturnType<typeof ndJsonStream> } {
  const child = spawn(process.execPath, [MOOR_BIN, "acp", "--cwd", home.project, ...args], {
    env: home.env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const stream = ndJsonStream(
    Writable.toWeb(child.stdin as NonNullable<typeof child.stdin>) as WritableStream<Uint8Array>,
    Readable.toWeb(child.stdout as NonNullable<typeof child.stdout>) as ReadableStream<Uint8Array>,
  );
  return { child, stream };
}
