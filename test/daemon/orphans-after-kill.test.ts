// What a killed server leaves behind, seen by the next one started at once: a turn whose owner is a zombie, and a
// command still running in its own process group.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { MessageWithParts, ToolPart } from "../../src/protocol/index.js";
import { makeTempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { MOOR_BIN } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());

const json = { "content-type": "application/json" };
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The state letter of /proc/<pid>/stat (R, S, Z…), undefined when there is no such process. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

/** Processes of this group that are not zombies (a zombie runs nothing). */
function liveMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid && fields[0] !== "Z") members.push(Number(name));
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

async function createSession(url: string): Promise<string> {
  const response = await fetch(`${url}/session`, { method: "POST", headers: json, body: "{}" });
  return ((await response.json()) as { id: string }).id;
}

async function messages(url: string, sessionID: string): Promise<MessageWithParts[]> {
  return (await (await fetch(`${url}/session/${sessionID}/message`)).json()) as MessageWithParts[];
}

function prompt(url: string, sessionID: string, text: string): Promise<Response> {
  return fetch(`${url}/session/${sessionID}/prompt_async`, {
    method: "POST",
    headers: json,
    body: JSON.stringify({ parts: [{ type: "text", text }] }),
  });
}

describe("a server killed with kill -9", () => {
  it("whose process is an unreaped zombie: the next server marks its turn interrupted at once", async () => {
    const home = makeTempHome(llm.url);
    // The parent starts the server, then becomes `sleep`, which never waits for its children: once killed, the
    // server stays a zombie (its pid still exists) until the parent ends.
    const parent: ChildProcess = spawn(
      "/bin/sh",
      ["-c", '"$0" "$1" serve --port 0 & echo "server pid $!"; exec sleep 60', process.execPath, MOOR_BIN],
      { env: home.env, cwd: home.project, stdio: ["ignore", "pipe", "pipe"] },
    );
    cleanups.push(() => parent.kill("SIGKILL"));
    let stdout = "";
    parent.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    const [pid, url] = await until("the server", () => {
      const pid = /server pid (\d+)/.exec(stdout)?.[1];
      const url = /moor listening on (\S+)/.exec(stdout)?.[1];
      return pid && url ? ([Number(pid), url] as const) : undefined;
    });
    cleanups.push(() => {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    });
    llm.script({ text: "half a reply", hang: true });
    const sessionID = await createSession(url);
    await prompt(url, sessionID, "start something long");
    // The reply streaming: an assistant message with text (the prompt's own text part is no sign of the turn; killed
    // before its model request, the server left no turn to recover, and the hanging reply went to the next test).
    await until("the turn to stream", async () => {
      const last = (await messages(url, sessionID)).at(-1);
      return last?.info.role === "assistant" && last.parts.some((part) => part.type === "text" && part.text.length > 0)
        ? true
        : undefined;
    });

    process.kill(pid, "SIGKILL");
    await until("the zombie", () => (processState(pid) === "Z" ? true : undefined));
    // The pid answers as if it were alive: what the old check went by.
    expect(() => process.kill(pid, 0)).not.toThrow();

    const next = await startServe(home.env, [], home.project);
    cleanups.push(() => next.child.kill("SIGKILL"));
    const last = (await messages(next.url, sessionID)).at(-1)!;
    expect(last.info.role === "assistant" && last.info.error?.name).toBe("InterruptedError");
    expect(processState(pid)).toBe("Z");
    await next.stop();
  }, 30_000);

  it("during a bash call: the next server ends the command's process group before a resume runs it again", async () => {
    const home = makeTempHome(llm.url, { permission: { bash: "allow" } });
    // An unusual duration, so that the commands of this test can be counted among all processes.
    const command = "sleep 29.371";
    let calls = 0;
    llm.respond((request) => {
      const last = request.messages.at(-1);
      if (last?.role === "tool") return { text: "done" };
      calls++;
      return { toolCalls: [{ name: "bash", args: { command } }] };
    });
    const running = () =>
      readdirSync("/proc").filter((name) => {
        try {
          return /^\d+$/.test(name) && readFileSync(`/proc/${name}/cmdline`, "utf8") === `sleep\0${command.slice(6)}\0`;
        } catch {
          return false;
        }
      }).length;
    let server: ServeHandle = await startServe(home.env, [], home.project);
    const sessionID = await createSession(server.url);
    await prompt(server.url, sessionID, "run the long command");
    const bashPart = async (url: string) => {
      const part = (await messages(url, sessionID))
        .flatMap((message) => message.parts)
        .find((part): part is ToolPart => part.type === "tool" && part.tool === "bash");
      return part?.state.status === "running" && typeof part.state.metadata?.pgid === "number"
        ? (part.state.metadata.pgid as number)
        : undefined;
    };
    const pgid = await until("the command to start", () => bashPart(server.url));
    cleanups.push(() => {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // Already gone.
      }
    });
    await until("the sleep", () => (liveMembers(pgid).length > 0 ? true : undefined));

    await server.stop("SIGKILL");
    // Killing the server does not end the command: it runs in a group of its own.
    expect(liveMembers(pgid).length).toBeGreaterThan(0);
    server = await startServe(home.env, [], home.project);
    cleanups.push(() => server.child.kill("SIGKILL"));
    expect(liveMembers(pgid)).toEqual([]);
    expect(running()).toBe(0);

    await fetch(`${server.url}/session/${sessionID}/resume`, { method: "POST" });
    const again = await until("the resumed command", () => bashPart(server.url));
    cleanups.push(() => {
      try {
        process.kill(-again, "SIGKILL");
      } catch {
        // Already gone.
      }
    });
    expect(again).not.toBe(pgid);
    // A member of the group may be the process that has not yet exec'd sleep (its command line still its parent's).
    await until("the resumed sleep", () => (liveMembers(again).length > 0 && running() > 0 ? true : undefined));
    expect(running()).toBe(1);
    expect(calls).toBe(1);
    await fetch(`${server.url}/session/${sessionID}/abort`, { method: "POST" });
    await until("the abort to end it", () => (liveMembers(again).length === 0 ? true : undefined));
    await server.stop();
  }, 30_000);
});
