// Starts a real `moor serve` child process and returns its URL once it listens.
import { spawnMoor, waitForOutput } from "./moor-process.js";

export interface ServeHandle {
  url: string;
  child: ReturnType<typeof spawnMoor>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startServe(env: Record<string, string>, args: string[] = [], cwd?: string): Promise<ServeHandle> {
  const child = spawnMoor(["serve", "--port", "0", ...args], { env, cwd });
  await waitForOutput(
    child,
    // A start-up warning or notice is not a failure to start; any other `moor:` line is.
    (stdout, stderr) =>
      /moor listening on \S+/.test(stdout) || child.exitCode !== null || /^moor: (?!warning:|notice:)/m.test(stderr),
  );
  const match = /moor listening on (\S+)/.exec(child.output().stdout);
  if (!match) {
    child.kill("SIGKILL");
    throw new Error(`moor serve did not start: ${child.output().stderr}`);
  }
  return {
    url: match[1],
    child,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once("close", (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** Reads an SSE response the simplest way a script would: only `data:` (and `id:`) lines. */
export async function readSse(
  url: string,
  options: {
    headers?: Record<string, string>;
    until: (events: SseItem[]) => boolean;
    signal?: AbortSignal;
    timeoutMs?: number;
    /** Called once the stream's first frame (server.connected) has arrived: the client is subscribed from then on. */
    connected?: () => void;
  },
): Promise<SseItem[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 15_000);
  const response = await fetch(url, { headers: options.headers, signal: controller.signal });
  const items: SseItem[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  let id: string | undefined;
  try {
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let newline = buffer.indexOf("\n");
      while (newline !== -1) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith("id: ")) id = line.slice(4);
        if (line.startsWith("data: ")) {
          items.push({ id, event: JSON.parse(line.slice(6)) });
          if (items.length === 1) options.connected?.();
          if (options.until(items)) return items;
        }
        newline = buffer.indexOf("\n");
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
    throw new Error(`SSE read timed out after ${items.length} events`);
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return items;
}

export interface SseItem {
  id?: string;
  event: { type: string; properties: Record<string, unknown>; payload?: unknown };
}

/** Reads an event stream as readSse does, and says when it is subscribed (instead of sleeping and hoping). */
export function watchSse(
  url: string,
  options: Omit<Parameters<typeof readSse>[1], "connected">,
): { connected: Promise<void>; done: Promise<SseItem[]> } {
  let connected!: () => void;
  const subscribed = new Promise<void>((resolve) => {
    connected = resolve;
  });
  const done = readSse(url, { ...options, connected });
  // A stream that fails before connecting must not leave `connected` waiting forever.
  done.catch(() => connected());
  return { connected: subscribed, done };
}
