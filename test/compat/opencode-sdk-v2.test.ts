// OpenCode's SDK v2 client (`@opencode-ai/sdk/v2`, its `v2.*` calls on `/api/*`) drives a real `moor serve` through
// the main flow: create a session, prompt, wait until idle, list the messages, answer a permission the agent asked
// for, revert a turn (its file change undone) and clear the revert; a feature moor lacks (pty) answers a clear 400.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { makeTempHome, type TempHome } from "../fakes/config.js";
import { type FakeLlm, startFakeLlm } from "../fakes/llm-server.js";
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

it("creates, prompts, waits, lists, answers a permission and reverts through the SDK's v2 client", async () => {
  home = makeTempHome(llm.url, { permission: { bash: "allow", edit: "ask" } });
  writeFileSync(`${home.project}/notes.txt`, "mine\n");
  server = await startServe(home.env, [], home.project);
  const { v2 } = createOpencodeClient({ baseUrl: server.url, directory: home.project });

  const created = await v2.session.create({});
  expect(created.error).toBeUndefined();
  const session = created.data!.data;
  expect(session.location.directory).toBe(home.project);
  expect((await v2.session.get({ sessionID: session.id })).data?.data.id).toBe(session.id);
  expect((await v2.session.list({})).data?.data.map((entry) => entry.id)).toContain(session.id);

  llm.script({ toolCalls: [{ name: "bash", args: { command: "echo agent > notes.txt" } }] }, { text: "changed it" });
  const prompted = await v2.session.prompt({ sessionID: session.id, prompt: { text: "change the notes" } });
  expect(prompted.error).toBeUndefined();
  const userID = prompted.data!.data.id;

  // The turn waits on the permission for the file its bash command writes: it shows in the session's list and is answered through v2.
  let pending: { id: string; action: string }[] = [];
  for (let i = 0; i < 100 && pending.length === 0; i++) {
    pending = (await v2.session.permission.list({ sessionID: session.id })).data?.data ?? [];
    if (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(pending.map((request) => request.action)).toEqual(["edit"]);
  const replied = await v2.session.permission.reply({ sessionID: session.id, requestID: pending[0].id, reply: "once" });
  expect(replied.response.status).toBe(204);
  const again = await v2.session.permission.reply({ sessionID: session.id, requestID: pending[0].id, reply: "once" });
  expect(again.response.status).toBe(404);
  expect((again.error as { _tag: string })._tag).toBe("PermissionNotFoundError");

  const waited = await v2.session.wait({ sessionID: session.id });
  expect(waited.response.status).toBe(204);
  expect(readFileSync(`${home.project}/notes.txt`, "utf8")).toBe("agent\n");
  const messages = (await v2.session.messages({ sessionID: session.id })).data!.data;
  expect(messages[0]).toMatchObject({ id: userID, type: "user", text: "change the notes" });
  const assistant = messages.filter((message) => message.type === "assistant");
  const content = assistant.flatMap((message) => ("content" in message ? message.content : []));
  expect(content.find((item) => item.type === "tool")).toMatchObject({ name: "bash", state: { status: "completed" } });
  expect(content.filter((item) => item.type === "text").map((item) => ("text" in item ? item.text : ""))).toContain(
    "changed it",
  );

  const staged = await v2.session.revert.stage({ sessionID: session.id, messageID: userID });
  expect(staged.data?.data.messageID).toBe(userID);
  expect(readFileSync(`${home.project}/notes.txt`, "utf8")).toBe("mine\n");
  expect((await v2.session.revert.clear({ sessionID: session.id })).response.status).toBe(204);
  expect(readFileSync(`${home.project}/notes.txt`, "utf8")).toBe("agent\n");

  const unknown = await v2.session.get({ sessionID: "ses_nope" });
  expect(unknown.response.status).toBe(404);
  expect((unknown.error as unknown as { _tag: string; error: { code: string } })._tag).toBe("SessionNotFoundError");
  expect((unknown.error as unknown as { error: { code: string } }).error.code).toBe("not_found");
  const pty = await v2.pty.create({});
  expect(pty.response.status).toBe(400);
  expect((pty.error as { _tag: string; message: string }).message).toContain("not supported");
}, 30_000);
