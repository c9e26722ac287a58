// What a prompt may carry and what it does, through the HTTP app: ids a client chooses stay in their session (409),
// attachments that cannot be read back are refused (400), and OpenCode's `tools`, `noReply` and `agent` fields are
// honoured or refused, never silently ignored.
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MockLanguageModelV3 } from "ai/test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Core } from "../../src/core/index.js";
import { createBuiltinTools } from "../../src/core/tools/index.js";
import { exportSession } from "../../src/core/transfer.js";
import type { BusEnvelope, MessageWithParts, Session, ToolPart } from "../../src/protocol/index.js";
import { createMoorApp } from "../../src/server/app.js";
import type { SqliteStore } from "../../src/storage/sqlite-store.js";
import type { ScriptedStep } from "../core/scripted-model.js";
import { type CoreFixture, openCoreFixture } from "../fakes/core-fixture.js";

const json = { "content-type": "application/json" };

describe("prompt input (app.request)", () => {
  let dir: string;
  let fixture: CoreFixture | undefined;
  let store: SqliteStore;
  let core: Core;
  let model: MockLanguageModelV3;
  let app: ReturnType<typeof createMoorApp>["app"];
  let events: BusEnvelope[];

  /** A core (and app) on the test's database whose model runs `steps`; a core started before is shut down first. */
  async function start(steps: ScriptedStep[]) {
    await fixture?.close();
    fixture = await openCoreFixture({
      dir,
      steps,
      settings: { permission: "allow" },
      tools: ({ todos }) => createBuiltinTools({ commandEnv: () => ({}), todos }),
    });
    ({ store, core, model, events } = fixture);
    app = createMoorApp({ core, version: "test", defaultDirectory: dir }).app;
  }

  const newSession = async (): Promise<Session> =>
    (await (await app.request("/session", { method: "POST", headers: json, body: "{}" })).json()) as Session;

  const post = (path: string, body: unknown) =>
    app.request(path, { method: "POST", headers: json, body: JSON.stringify(body) });

  /** Waits for the session's queued turns to finish (prompt_async returns before them). */
  async function idle(sessionID: string): Promise<void> {
    for (let i = 0; i < 200 && core.sessions.isBusy(sessionID); i++) await new Promise((r) => setTimeout(r, 10));
    expect(core.sessions.isBusy(sessionID)).toBe(false);
  }

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "moor-prompt-"));
  });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("ids chosen by a client belong to their session", () => {
    it("a messageID or part id of another session is a 409, and that session is unchanged", async () => {
      await start([{ text: "reply one" }, { text: "reply two" }]);
      const s1 = await newSession();
      const s2 = await newSession();
      const first = await post(`/session/${s1.id}/message`, {
        messageID: "msg_chosen",
        parts: [{ id: "prt_chosen", type: "text", text: "S1's secret" }],
      });
      expect(first.status).toBe(200);
      const before = await exportSession(store, s1.id);

      for (const body of [
        { messageID: "msg_chosen", parts: [{ type: "text", text: "S2 overwrites" }] },
        { parts: [{ id: "prt_chosen", type: "text", text: "S2 overwrites" }] },
        { messageID: "msg_chosen", parts: [{ id: "prt_chosen", type: "text", text: "S2 overwrites" }] },
      ]) {
        for (const route of ["message", "prompt_async"]) {
          const response = await post(`/session/${s2.id}/${route}`, body);
          expect(response.status, `${route} ${JSON.stringify(body)}`).toBe(409);
          const error = ((await response.json()) as { error: { code: string; message: string } }).error;
          expect(error.code).toBe("conflict");
          expect(error.message).toMatch(/already exists/);
        }
      }
      // The same ids again in their own session are a conflict too: a stored row is never rewritten by a prompt.
      expect(
        (await post(`/session/${s1.id}/message`, { messageID: "msg_chosen", parts: [{ type: "text", text: "again" }] }))
          .status,
      ).toBe(409);
      expect(
        (await post(`/session/${s1.id}/message`, { parts: [{ id: "prt_chosen", type: "text", text: "again" }] }))
          .status,
      ).toBe(409);
      // Twice in one prompt: the second would overwrite the first.
      const twice = await post(`/session/${s2.id}/message`, {
        parts: [
          { id: "prt_twice", type: "text", text: "a" },
          { id: "prt_twice", type: "text", text: "b" },
        ],
      });
      expect(twice.status).toBe(400);

      expect(await exportSession(store, s1.id)).toEqual(before);
      expect(JSON.stringify(await exportSession(store, s1.id))).not.toContain("S2 overwrites");
      expect(await core.sessions.messages(s2.id)).toEqual([]);
      expect(model.doStreamCalls.length).toBe(1);
    });
  });

  describe("attachments", () => {
    const bad = [
      { mime: "text/plain", url: "data:,%ZZ" },
      { mime: "text/plain", url: "data:text/plain;base64,@@@not base64@@@" },
      { mime: "image/png", url: "data:image/png;base64,%GG" },
      { mime: "text/plain", url: "not a url" },
      { mime: "text/plain", url: "javascript:alert(1)" },
      { mime: "", url: "data:,hello" },
    ];

    it("a file part that could not be read back is a 400 on both prompt routes, and nothing is stored", async () => {
      await start([]);
      const session = await newSession();
      for (const file of bad) {
        for (const route of ["message", "prompt_async"]) {
          const response = await post(`/session/${session.id}/${route}`, {
            parts: [
              { type: "text", text: "see attached" },
              { type: "file", ...file },
            ],
          });
          expect(response.status, `${route} ${JSON.stringify(file)}`).toBe(400);
          const error = ((await response.json()) as { error: { code: string; message: string } }).error;
          expect(error.code).toBe("bad_request");
          expect(error.message).toMatch(/file part not accepted/);
        }
      }
      expect(await core.sessions.messages(session.id)).toEqual([]);
      expect(model.doStreamCalls.length).toBe(0);
    });

    it("well-formed attachments reach the model decoded", async () => {
      await start([{ text: "read it" }]);
      const session = await newSession();
      const response = await post(`/session/${session.id}/message`, {
        parts: [
          { type: "text", text: "see attached" },
          { type: "file", mime: "text/plain", filename: "a.txt", url: "data:,caf%C3%A9%20ok" },
          { type: "file", mime: "text/plain", filename: "b.txt", url: `data:text/plain;base64,${btoa("bee")}` },
          { type: "file", mime: "image/png", filename: "c.png", url: "data:image/png;base64,iVBORw0KGgo=" },
        ],
      });
      expect(response.status).toBe(200);
      const user = JSON.stringify(model.doStreamCalls[0].prompt.at(-1));
      expect(user).toContain("File a.txt:\\ncafé ok");
      expect(user).toContain("File b.txt:\\nbee");
      expect(user).toContain("iVBORw0KGgo=");
    });

    it("a session holding an unreadable stored attachment still answers later prompts", async () => {
      await start([{ text: "first" }, { text: "second" }, { text: "third" }]);
      const session = await newSession();
      expect((await post(`/session/${session.id}/message`, { parts: [{ type: "text", text: "hello" }] })).status).toBe(
        200,
      );
      // As written by an older moor, which accepted it: the stored part cannot be decoded.
      const userID = (await core.sessions.messages(session.id))[0].info.id;
      await store.commit({ directory: dir, sessionID: session.id }, (tx) =>
        tx.putPart({
          id: "prt_zz",
          sessionID: session.id,
          messageID: userID,
          type: "file",
          mime: "text/plain",
          url: "data:,%ZZ",
        }),
      );
      const later = await post(`/session/${session.id}/message`, { parts: [{ type: "text", text: "still there?" }] });
      expect(later.status).toBe(200);
      expect(
        ((await later.json()) as MessageWithParts).parts.some((p) => p.type === "text" && p.text === "second"),
      ).toBe(true);
      // Replayed as written (a malformed escape is kept as is), instead of throwing URIError.
      expect(JSON.stringify(model.doStreamCalls[1].prompt)).toContain("File :\\n%ZZ");
      expect(
        (await post(`/session/${session.id}/prompt_async`, { parts: [{ type: "text", text: "async" }] })).status,
      ).toBe(204);
      await idle(session.id);
      const last = (await core.sessions.messages(session.id)).at(-1)!;
      expect(last.info.role === "assistant" && last.info.error).toBeUndefined();
      expect(last.parts.some((p) => p.type === "text" && p.text === "third")).toBe(true);
    });
  });

  describe("OpenCode's prompt fields", () => {
    it("tools: {bash: false} keeps bash from the model and refuses a bash call it makes anyway", async () => {
      const marker = join(dir, "marker");
      await start([
        { toolCalls: [{ name: "bash", input: { command: `touch ${marker}`, description: "touch" } }] },
        { text: "ok" },
      ]);
      const session = await newSession();
      const response = await post(`/session/${session.id}/message`, {
        tools: { bash: false },
        parts: [{ type: "text", text: "run something" }],
      });
      expect(response.status).toBe(200);
      const offered = (model.doStreamCalls[0].tools ?? []).map((tool) => tool.name);
      expect(offered).not.toContain("bash");
      expect(offered).toContain("read");
      const call = (await core.sessions.messages(session.id))
        .flatMap((m) => m.parts)
        .find((p): p is ToolPart => p.type === "tool")!;
      expect(call.state.status === "error" && call.state.error).toMatch(/turned off/);
      expect(existsSync(marker)).toBe(false);
      // The switch is the prompt's: the next prompt has bash again.
      await start([{ text: "fine" }]);
      await post(`/session/${session.id}/message`, { parts: [{ type: "text", text: "again" }] });
      expect((model.doStreamCalls[0].tools ?? []).map((tool) => tool.name)).toContain("bash");
    });

    it("tools: a wildcard turns off every tool it matches, a named true keeps one, edit covers write", async () => {
      await start([{ text: "ok" }, { text: "ok" }]);
      const session = await newSession();
      await post(`/session/${session.id}/message`, {
        tools: { "*": false, read: true },
        parts: [{ type: "text", text: "x" }],
      });
      expect((model.doStreamCalls[0].tools ?? []).map((tool) => tool.name)).toEqual(["read"]);
      await post(`/session/${session.id}/message`, { tools: { edit: false }, parts: [{ type: "text", text: "y" }] });
      const offered = (model.doStreamCalls[1].tools ?? []).map((tool) => tool.name);
      expect(offered).not.toContain("edit");
      expect(offered).not.toContain("write");
      expect(offered).toContain("bash");
    });

    it("noReply: true stores and announces the prompt and starts no turn", async () => {
      await start([{ text: "answer" }]);
      const session = await newSession();
      const response = await post(`/session/${session.id}/message`, {
        noReply: true,
        parts: [{ type: "text", text: "just so you know" }],
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as MessageWithParts;
      expect(body.info.role).toBe("user");
      expect(body.parts.map((p) => (p.type === "text" ? p.text : p.type))).toEqual(["just so you know"]);
      expect(
        (await post(`/session/${session.id}/prompt_async`, { noReply: true, parts: [{ type: "text", text: "more" }] }))
          .status,
      ).toBe(204);
      expect(model.doStreamCalls.length).toBe(0);
      expect(core.sessions.isBusy(session.id)).toBe(false);
      expect((await core.sessions.messages(session.id)).map((m) => m.info.role)).toEqual(["user", "user"]);
      const types = events.map((e) => e.event.type);
      expect(types.filter((t) => t === "message.updated").length).toBe(2);
      expect(types).not.toContain("session.status");
      // A later prompt's turn sees the context given without a reply.
      await post(`/session/${session.id}/message`, { parts: [{ type: "text", text: "now answer" }] });
      expect(JSON.stringify(model.doStreamCalls[0].prompt)).toContain("just so you know");
    });

    it("notify with noReply: true is a 400 (no turn would end to notify about); nothing is stored or registered", async () => {
      await start([{ text: "answer" }]);
      const registered: string[] = [];
      app = createMoorApp({
        core,
        version: "test",
        defaultDirectory: dir,
        notify: {
          once: (sessionID) => {
            registered.push(sessionID);
            return () => {};
          },
        },
      }).app;
      const session = await newSession();
      for (const route of ["message", "prompt_async"]) {
        const response = await post(`/session/${session.id}/${route}`, {
          noReply: true,
          notify: true,
          parts: [{ type: "text", text: "tell me" }],
        });
        expect(response.status, route).toBe(400);
        const error = ((await response.json()) as { error: { code: string; message: string } }).error;
        expect(error.code).toBe("bad_request");
        expect(error.message).toMatch(/noReply/);
      }
      expect(registered).toEqual([]);
      expect(await core.sessions.messages(session.id)).toEqual([]);
      // The same notify with a turn is accepted by this server.
      expect(
        (await post(`/session/${session.id}/message`, { notify: true, parts: [{ type: "text", text: "x" }] })).status,
      ).toBe(200);
      expect(registered).toEqual([session.id]);
    });

    it("an unknown agent is a 400 (toString and __proto__ included); a known one is accepted", async () => {
      await start([{ text: "planned" }]);
      const session = await newSession();
      for (const agent of ["toString", "__proto__", "constructor", "nope", ""]) {
        for (const route of ["message", "prompt_async"]) {
          const response = await post(`/session/${session.id}/${route}`, {
            agent,
            parts: [{ type: "text", text: "x" }],
          });
          expect(response.status, `${route} agent ${agent}`).toBe(400);
          const error = ((await response.json()) as { error: { code: string; message: string } }).error;
          expect(error.code).toBe("bad_request");
          expect(error.message).toMatch(/Unknown agent/);
        }
      }
      expect(await core.sessions.messages(session.id)).toEqual([]);
      const ok = await post(`/session/${session.id}/message`, { agent: "plan", parts: [{ type: "text", text: "x" }] });
      expect(ok.status).toBe(200);
      const system = JSON.stringify(model.doStreamCalls[0].prompt[0]);
      expect(system).toContain("plan mode");
      expect(system).not.toContain("native code");
    });
  });
});
