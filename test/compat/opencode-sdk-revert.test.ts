// OpenCode's own SDK drives undo and redo against a real `moor serve` (what OpenCode's TUI `/undo` and `/redo`
// call): a bash step's change is in the patch part and the diff, revert puts the file back and sets the session's
// `revert`, unrevert brings the agent's version back; a revert during a turn and one over a hand edit are 409s with
// a clear message; `moor debug paths` reports the snapshots' disk use.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createOpencodeClient } from "@opencode-ai/sdk";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { MoorClient } from "../../src/client/index.js";
import { redo, undo, visibleMessages } from "../../src/client/undo-redo.js";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
import { runMoor } from "../fakes/moor-process.js";
import { type ServeHandle, startServe } from "../fakes/serve.js";

let llm: FakeLlm;
let home: TempHome;
let server: ServeHandle | undefined;

beforeAll(async () => {
  llm = await startFakeLlm();
});
afterAll(() => llm.close());
afterEach(async () => {
  await server?.stop();
  server = undefined;
  rmSync(home.root, { recursive: true, force: true });
});

it("reverts and unreverts a bash step's change through OpenCode's SDK, with 409s for a busy turn and a hand edit", async () => {
  home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" } });
  writeFileSync(`${home.project}/notes.txt`, "mine\n");
  server = await startServe(home.env, [], home.project);
  const client = createOpencodeClient({ baseUrl: server.url });
  const session = (await client.session.create({ body: { title: "undo" } })).data!;
  llm.script(
    { toolCalls: [{ name: "bash", args: { command: "echo agent > notes.txt && echo new > added.txt" } }] },
    { text: "changed" },
  );
  const reply = await client.session.prompt({
    path: { id: session.id },
    body: { parts: [{ type: "text", text: "go" }] },
  });
  expect(reply.error).toBeUndefined();
  const messages = (await client.session.messages({ path: { id: session.id } })).data!;
  const user = messages[0].info;
  const patch = messages.flatMap((message) => message.parts).find((part) => part.type === "patch");
  expect(patch && "files" in patch ? [...patch.files].sort() : []).toEqual(["added.txt", "notes.txt"]);
  const diff = (await client.session.diff({ path: { id: session.id }, query: { messageID: user.id } })).data!;
  expect(diff.map((entry) => entry.file).sort()).toEqual(["added.txt", "notes.txt"]);

  const reverted = await client.session.revert({ path: { id: session.id }, body: { messageID: user.id } });
  expect(reverted.data?.revert?.messageID).toBe(user.id);
  expect(readFileSync(`${home.project}/notes.txt`, "utf8")).toBe("mine\n");
  expect(existsSync(`${home.project}/added.txt`)).toBe(false);
  const restored = await client.session.unrevert({ path: { id: session.id } });
  expect(restored.data?.revert).toBeUndefined();
  expect(readFileSync(`${home.project}/notes.txt`, "utf8")).toBe("agent\n");
  expect(readFileSync(`${home.project}/added.txt`, "utf8")).toBe("new\n");

  // A hand edit after the agent's change: 409 naming the file, nothing overwritten.
  writeFileSync(`${home.project}/added.txt`, "hand\n");
  const conflict = await fetch(`${server.url}/session/${session.id}/revert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messageID: user.id }),
  });
  expect(conflict.status).toBe(409);
  const body = (await conflict.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe("conflict");
  expect(body.error.message).toContain("added.txt");
  expect(readFileSync(`${home.project}/notes.txt`, "utf8")).toBe("agent\n");

  // During a turn: 409.
  llm.script({ text: "w ".repeat(200), delayMs: 20 });
  await client.session.promptAsync({ path: { id: session.id }, body: { parts: [{ type: "text", text: "slow" }] } });
  const busy = await fetch(`${server.url}/session/${session.id}/revert`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messageID: user.id }),
  });
  expect(busy.status).toBe(409);
  expect(((await busy.json()) as { error: { message: string } }).error.message).toContain("running a turn");
  await client.session.abort({ path: { id: session.id } });

  const paths = await runMoor(["debug", "paths"], { env: home.env, cwd: home.project });
  expect(paths.stdout).toMatch(/snapshot use\s+\d+(\.\d)? (KB|MB)/);
});

it("/undo and /redo (client/undo-redo.ts, used by moor attach and the web page) step back and forth one prompt", async () => {
  home = makeTempHome(llm.url, { permission: { edit: "allow", bash: "allow" } });
  server = await startServe(home.env, [], home.project);
  const client = new MoorClient({ baseUrl: server.url });
  let session = await client.createSession({});
  llm.script(
    { toolCalls: [{ name: "bash", args: { command: "echo one > one.txt" } }] },
    { text: "first" },
    { toolCalls: [{ name: "bash", args: { command: "echo two > two.txt" } }] },
    { text: "second" },
  );
  await client.prompt(session.id, { parts: [{ type: "text", text: "one" }] });
  await client.prompt(session.id, { parts: [{ type: "text", text: "two" }] });
  const messages = (await client.messageSnapshot(session.id)).messages;
  const exists = (file: string) => existsSync(`${home.project}/${file}`);

  expect(await undo(client, session, messages)).toContain("undone");
  session = await client.getSession(session.id);
  expect([exists("one.txt"), exists("two.txt")]).toEqual([true, false]);
  expect(visibleMessages(messages, session.revert).filter((m) => m.info.role === "user")).toHaveLength(1);

  await undo(client, session, messages);
  session = await client.getSession(session.id);
  expect([exists("one.txt"), exists("two.txt")]).toEqual([false, false]);
  expect(visibleMessages(messages, session.revert)).toEqual([]);

  await redo(client, session, messages);
  session = await client.getSession(session.id);
  expect([exists("one.txt"), exists("two.txt")]).toEqual([true, false]);

  await redo(client, session, messages);
  session = await client.getSession(session.id);
  expect(session.revert).toBeUndefined();
  expect([exists("one.txt"), exists("two.txt")]).toEqual([true, true]);
  expect(await redo(client, session, messages)).toBe("nothing to redo");
});
