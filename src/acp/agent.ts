// Moor as an ACP agent (protocol version 1) over any stream; `moor acp` connects it to stdin/stdout.
import {
  type AgentContext,
  agent,
  type ClientCapabilities,
  methods,
  ndJsonStream,
  RequestError,
  type SessionUpdate,
} from "@agentclientprotocol/sdk/unstable";
import type { EditorFileSystem } from "../core/tools/tool.js";
import { attachmentProblem } from "../protocol/attachment.js";
import type {
  AssistantMessage,
  MessageWithParts,
  MoorEvent,
  PartInput,
  PermissionReply,
  Session,
  ToolPart,
} from "../protocol/index.js";
import { alwaysLabel, parseSlashCommand, primaryAgents } from "../protocol/index.js";
import type { AcpBackend } from "./backend.js";
import { sessionConfigOptions } from "./config-options.js";
import { readThroughEditor, requireAbsoluteCwd, requireExistingCwd } from "./editor-files.js";
import { followFamilyQuestions } from "./family-questions.js";
import { initializeResult } from "./initialize-result.js";
import { lenientInitialize } from "./lenient-initialize.js";
import { compactionMark, historyUpdates, toolCallStart, toolCallUpdate, toolKind } from "./mapping.js";
import { sessionMcpServers } from "./mcp-servers.js";
import { unlistedModel } from "./model-choice.js";
import { turnUsage } from "./prompt-usage.js";
import { choicesFromHistory } from "./session-choices.js";
import { inputStillStreaming } from "./tool-announce.js";

export interface AcpModel {
  id: string;
  name: string;
  contextWindow?: number;
  imageInput?: boolean;
}

export interface AcpAgentOptions {
  backend: AcpBackend;
  version: string;
  defaultCwd: string;
  /** Lets file tools go through the editor (unsaved buffers win) when the client offers fs access. */
  editorFs?: Map<string, EditorFileSystem>;
  /** The configured models; `contextWindow` (config `limit.context`) lets the editor show how full it is. */
  /** A promise while the config is still loading: `moor acp` starts answering before it has (issue 18 §5). */
  models?: AcpModel[] | Promise<AcpModel[]>;
  log?: (message: string, details?: unknown) => void;
}

const PAGE_SIZE = 50;

interface SessionState {
  /** The agent chosen with session/set_mode; until then prompts name none and run under the default agent. */
  mode?: string;
  model?: { providerID: string; modelID: string };
}

export function createAcpAgent(options: AcpAgentOptions) {
  const { backend } = options;
  const states = new Map<string, SessionState>();
  let capabilities: ClientCapabilities | undefined;
  const stateOf = (id: string) => {
    let state = states.get(id);
    if (!state) {
      state = {};
      states.set(id, state);
    }
    return state;
  };
  /** ACP's modes are the backend's primary agents (its registry), read anew for every session. */
  const modes = async () => {
    const { agents, defaultAgent } = await backend.agents();
    const primary = primaryAgents(agents);
    return {
      availableModes: primary.map((agent) => ({
        id: agent.name,
        name: agent.name.charAt(0).toUpperCase() + agent.name.slice(1),
        ...(agent.description !== undefined ? { description: agent.description } : {}),
      })),
      defaultMode: defaultAgent ?? primary[0]?.name ?? "build",
    };
  };
  const sessionSetup = async (sessionId: string) => {
    const { availableModes, defaultMode } = await modes();
    const state = stateOf(sessionId);
    const current = { currentModeId: state.mode ?? defaultMode, availableModes };
    const model = state.model && `${state.model.providerID}/${state.model.modelID}`;
    return { modes: current, configOptions: sessionConfigOptions(current, (await options.models) ?? [], model) };
  };
  /** Checks a mode id against the backend's primary agents and makes it the session's. */
  const setMode = async (sessionId: string, modeId: unknown) => {
    const { availableModes } = await modes();
    if (!availableModes.some((mode) => mode.id === modeId)) {
      const known = availableModes.map((mode) => mode.id).join(", ");
      throw RequestError.invalidParams(
        { modeId },
        `unknown mode ${String(modeId).slice(0, 80)}; available modes: ${known}`,
      );
    }
    stateOf(sessionId).mode = modeId as string;
  };
  /** A session this process has not seen goes on in the mode and with the model its history last had. */
  const recallChoices = async (sessionId: string, history?: MessageWithParts[]) => {
    if (states.has(sessionId)) return;
    const { availableModes } = await modes();
    const choices = choicesFromHistory(
      history ?? (await backend.messages(sessionId)),
      availableModes.map((m) => m.id),
    );
    states.set(sessionId, choices);
  };
  const existing = async (sessionId: string) => {
    try {
      return await backend.getSession(sessionId);
    } catch {
      throw RequestError.resourceNotFound(sessionId);
    }
  };
  /** The editor's servers for the session, connected (or failed once: their tools say why) before it answers. */
  const startMcpServers = async (sessionId: string, servers: Parameters<typeof sessionMcpServers>[0]) => {
    const configs = sessionMcpServers(servers);
    if (Object.keys(configs).length > 0) await backend.sessionMcpServers?.(sessionId, configs);
  };
  const registerEditorFs = (sessionId: string, client: AgentContext) => {
    if (!options.editorFs || !capabilities?.fs) return;
    const fs: EditorFileSystem = {};
    if (capabilities.fs.readTextFile) {
      fs.readTextFile = (path) =>
        readThroughEditor(
          path,
          async () => (await client.request(methods.client.fs.readTextFile, { sessionId, path })).content,
        );
    }
    if (capabilities.fs.writeTextFile) {
      fs.writeTextFile = async (path, content) => {
        await client.request(methods.client.fs.writeTextFile, { sessionId, path, content });
      };
    }
    options.editorFs.set(sessionId, fs);
  };

  return agent({ name: "moor" })
    .onRequest(methods.agent.initialize, async ({ params }) => {
      capabilities = params.clientCapabilities;
      return initializeResult({
        version: options.version,
        imageInput: ((await options.models) ?? []).some((model) => model.imageInput),
        fork: backend.fork !== undefined,
        sessionMcpServers: backend.sessionMcpServers !== undefined,
      });
    })
    .onRequest(methods.agent.authenticate, () => ({}))
    .onRequest(methods.agent.session.new, async ({ params, client }) => {
      requireAbsoluteCwd(params.cwd);
      await requireExistingCwd(params.cwd);
      const session = await backend.createSession(params.cwd || options.defaultCwd);
      registerEditorFs(session.id, client);
      await startMcpServers(session.id, params.mcpServers);
      // After the response, so the client knows the session the update is for.
      setImmediate(() => void sendCommands(client, backend, session));
      return { sessionId: session.id, ...(await sessionSetup(session.id)) };
    })
    .onRequest(methods.agent.session.load, async ({ params, client }) => {
      requireAbsoluteCwd(params.cwd);
      const session = await existing(params.sessionId);
      registerEditorFs(session.id, client);
      await startMcpServers(session.id, params.mcpServers);
      const history = await backend.messages(session.id);
      await recallChoices(session.id, history);
      for (const update of historyUpdates(history)) {
        await client.notify(methods.client.session.update, { sessionId: session.id, update });
      }
      setImmediate(() => void sendCommands(client, backend, session));
      return await sessionSetup(session.id);
    })
    .onRequest(methods.agent.session.resume, async ({ params, client }) => {
      requireAbsoluteCwd(params.cwd);
      const session = await existing(params.sessionId);
      registerEditorFs(session.id, client);
      await recallChoices(session.id);
      setImmediate(() => void sendCommands(client, backend, session));
      return await sessionSetup(session.id);
    })
    .onRequest(methods.agent.session.fork, async ({ params, client }) => {
      requireAbsoluteCwd(params.cwd);
      await existing(params.sessionId);
      if (!backend.fork) throw RequestError.methodNotFound(methods.agent.session.fork);
      const session = await backend.fork(params.sessionId);
      // The fork keeps the original's mode and model: it continues the same conversation.
      states.set(session.id, { ...stateOf(params.sessionId) });
      registerEditorFs(session.id, client);
      await startMcpServers(session.id, params.mcpServers ?? []);
      setImmediate(() => void sendCommands(client, backend, session));
      return { sessionId: session.id, ...(await sessionSetup(session.id)) };
    })
    .onRequest(methods.agent.session.close, async ({ params }) => {
      await existing(params.sessionId);
      await backend.abort(params.sessionId);
      await backend.closeSessionMcpServers?.(params.sessionId);
      states.delete(params.sessionId);
      options.editorFs?.delete(params.sessionId);
      return {};
    })
    .onRequest(methods.agent.session.list, async ({ params }) => {
      const all = (await backend.listSessions()).filter((session) => !params.cwd || session.directory === params.cwd);
      const start = params.cursor ? Number(params.cursor) : 0;
      if (!Number.isInteger(start) || start < 0)
        throw RequestError.invalidParams({ cursor: params.cursor }, "bad cursor");
      const page = all.slice(start, start + PAGE_SIZE);
      return {
        sessions: page.map((session) => ({
          sessionId: session.id,
          cwd: session.directory,
          title: session.title,
          updatedAt: new Date(session.time.updated).toISOString(),
        })),
        nextCursor: start + PAGE_SIZE < all.length ? String(start + PAGE_SIZE) : null,
      };
    })
    .onRequest(methods.agent.session.setMode, async ({ params, client }) => {
      await existing(params.sessionId);
      await setMode(params.sessionId, params.modeId);
      // The config options show the mode too: tell editors that read those.
      const { configOptions } = await sessionSetup(params.sessionId);
      setImmediate(
        () =>
          void client
            .notify(methods.client.session.update, {
              sessionId: params.sessionId,
              update: { sessionUpdate: "config_option_update", configOptions },
            })
            .catch(() => {}),
      );
      return {};
    })
    .onRequest(methods.agent.session.setConfigOption, async ({ params }) => {
      const session = await existing(params.sessionId);
      if (params.configId === "mode" && typeof params.value === "string") {
        await setMode(session.id, params.value);
        return { configOptions: (await sessionSetup(session.id)).configOptions };
      }
      if (params.configId !== "model" || typeof params.value !== "string" || !params.value.includes("/")) {
        throw RequestError.invalidParams(
          { configId: params.configId },
          "only the mode and the model option (provider/model) can be set",
        );
      }
      const slash = params.value.indexOf("/");
      const refusal = unlistedModel(params.value, (await options.models) ?? []);
      if (refusal) throw RequestError.invalidParams({ configId: "model", value: params.value }, refusal);
      stateOf(session.id).model = { providerID: params.value.slice(0, slash), modelID: params.value.slice(slash + 1) };
      return { configOptions: (await sessionSetup(session.id)).configOptions };
    })
    .onNotification(methods.agent.session.cancel, async ({ params }) => {
      await backend.abort(params.sessionId).catch(() => {});
    })
    .onRequest(methods.agent.session.prompt, async ({ params, client }) => {
      const session = await existing(params.sessionId);
      const parts = promptParts(params.prompt as unknown as PromptBlock[]);
      if (parts.length === 0)
        throw RequestError.invalidParams({ prompt: params.prompt }, "the prompt has no text or resources");
      const state = stateOf(session.id);
      const relay = new UpdateRelay(client, session.id, backend);
      const unsubscribe = backend.subscribe(session.id, (event) => relay.handle(event));
      const unfollow = await followFamilyQuestions(backend, session.id, (request) =>
        relay.handle({ type: "permission.asked", properties: request }),
      );
      const before = await backend.messages(session.id);
      try {
        const command = await slashCommandOf(backend, session, parts);
        const outcome = command
          ? await backend.command(session.id, {
              command: command.name,
              arguments: command.arguments,
              agent: state.mode,
              model: state.model && `${state.model.providerID}/${state.model.modelID}`,
            })
          : await backend.prompt(session.id, { parts, agent: state.mode, model: state.model });
        await relay.drained();
        const after = await backend.messages(session.id);
        const usage = usageOf(after, (await options.models) ?? []);
        if (usage) await client.notify(methods.client.session.update, { sessionId: session.id, update: usage });
        if (outcome.finish === "error") {
          throw RequestError.internalError({ error: outcome.error }, outcome.error?.data.message ?? "the turn failed");
        }
        const tokens = turnUsage(before, after);
        return { stopReason: stopReasonOf(outcome.finish), ...(tokens ? { usage: tokens } : {}) };
      } finally {
        unsubscribe();
        unfollow();
      }
    });
}

/**
 * The context in use after the turn (the last step's input and output tokens) against the model's window, and what
 * the session has cost so far. Only when the config gives the window: ACP requires its size.
 */
function usageOf(
  history: MessageWithParts[],
  models: { id: string; contextWindow?: number }[],
): SessionUpdate | undefined {
  let last: AssistantMessage | undefined;
  let cost = 0;
  for (const { info } of history) {
    if (info.role !== "assistant") continue;
    cost += info.cost;
    if (info.tokens.input + info.tokens.output > 0) last = info;
  }
  if (!last) return undefined;
  const size = models.find((model) => model.id === `${last.providerID}/${last.modelID}`)?.contextWindow;
  if (!size) return undefined;
  const used = last.tokens.input + last.tokens.cache.read + last.tokens.output;
  return { sessionUpdate: "usage_update", used, size, cost: { amount: cost, currency: "USD" } };
}

function stopReasonOf(finish: string) {
  switch (finish) {
    case "aborted":
      return "cancelled" as const;
    case "length":
      return "max_tokens" as const;
    case "max-steps":
      return "max_turn_requests" as const;
    case "content-filter":
      return "refusal" as const;
    default:
      return "end_turn" as const;
  }
}

/** The session's slash commands (built-in and configured, GET /command's list), as the editor offers them. */
async function sendCommands(client: AgentContext, backend: AcpBackend, session: Session): Promise<void> {
  const commands = await backend.commands(session.directory).catch(() => []);
  await client
    .notify(methods.client.session.update, {
      sessionId: session.id,
      update: {
        sessionUpdate: "available_commands_update",
        availableCommands: [
          ...commands.map((command) => ({
            name: command.name,
            description: command.description ?? "",
            ...(command.hints.length > 0 && { input: { hint: command.hints.join(" ") } }),
          })),
          { name: "resume", description: "Continue a turn that a restart interrupted" },
        ],
      },
    })
    .catch(() => {});
}

/**
 * A prompt that is one `/name args` text naming a known command runs that command; anything else is a prompt (a
 * `/path/to/file` question stays one).
 */
async function slashCommandOf(
  backend: AcpBackend,
  session: Session,
  parts: PartInput[],
): Promise<{ name: string; arguments: string } | undefined> {
  const first = parts[0];
  if (parts.length !== 1 || first.type !== "text") return undefined;
  const typed = parseSlashCommand(first.text);
  if (!typed) return undefined;
  const known = await backend.commands(session.directory).catch(() => []);
  return known.some((command) => command.name === typed.name) ? typed : undefined;
}

type PromptBlock = {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri: string; text?: string; mimeType?: string | null };
};

/**
 * ACP content blocks → Moor prompt parts: text as is, resource links and embedded resources as context, images as
 * attached files (a data: URL).
 */
function promptParts(blocks: PromptBlock[]): PartInput[] {
  const parts: PartInput[] = [];
  for (const block of blocks) {
    if (block.type === "text" && block.text) parts.push({ type: "text", text: block.text });
    else if (block.type === "image" && block.data && block.mimeType) {
      const part = { type: "file" as const, mime: block.mimeType, url: `data:${block.mimeType};base64,${block.data}` };
      const problem = attachmentProblem(part);
      if (problem) throw RequestError.invalidParams({ mimeType: block.mimeType }, `image not accepted: ${problem}`);
      parts.push({ ...part, ...(block.uri ? { filename: block.uri.replace(/^.*\//, "") } : {}) });
    } else if (block.type === "resource_link" && block.uri) {
      parts.push({ type: "text", text: `[Referenced file: ${block.uri.replace(/^file:\/\//, "")}]`, synthetic: true });
    } else if (block.type === "resource" && block.resource) {
      const path = block.resource.uri.replace(/^file:\/\//, "");
      const body = block.resource.text ?? "";
      parts.push({ type: "text", text: `<file path="${path}">\n${body}\n</file>`, synthetic: true });
    }
  }
  return parts;
}

/** Streams one session's events to the client as session/update notifications, in order. */
class UpdateRelay {
  private readonly partTypes = new Map<string, string>();
  private readonly announcedTools = new Set<string>();
  private readonly answered = new Set<string>();
  private chain: Promise<void> = Promise.resolve();
  /** The session title last sent. */
  private title?: string;

  constructor(
    private readonly client: AgentContext,
    private readonly sessionId: string,
    private readonly backend: AcpBackend,
  ) {}

  drained(): Promise<void> {
    return this.chain;
  }

  private send(update: SessionUpdate): void {
    this.chain = this.chain
      .then(() => this.client.notify(methods.client.session.update, { sessionId: this.sessionId, update }))
      .catch(() => {});
  }

  handle(event: MoorEvent): void {
    switch (event.type) {
      case "message.part.updated": {
        const { part } = event.properties;
        this.partTypes.set(part.id, part.type);
        if (part.type === "tool") this.tool(part);
        break;
      }
      case "message.part.delta": {
        const type = this.partTypes.get(event.properties.partID);
        if (type !== "text" && type !== "reasoning") break;
        this.send({
          sessionUpdate: type === "text" ? "agent_message_chunk" : "agent_thought_chunk",
          content: { type: "text", text: event.properties.delta },
        });
        break;
      }
      case "todo.updated":
        this.send({
          sessionUpdate: "plan",
          entries: event.properties.todos
            .filter((todo) => todo.status !== "cancelled")
            .map((todo) => ({
              content: todo.content,
              priority: todo.priority,
              status: todo.status as "pending" | "in_progress" | "completed",
            })),
        });
        break;
      case "permission.asked":
        void this.askPermission(event.properties);
        break;
      case "session.compacted":
        this.send(compactionMark());
        break;
      case "session.updated": {
        // The title the first prompt gave, then the one a model wrote (core/titles/); other changes are not sent.
        const { title } = event.properties.info;
        if (title === this.title) break;
        this.title = title;
        this.send({ sessionUpdate: "session_info_update", title });
        break;
      }
    }
  }

  private tool(part: ToolPart): void {
    if (!this.announcedTools.has(part.callID)) {
      if (inputStillStreaming(part)) return;
      this.announcedTools.add(part.callID);
      this.send(toolCallStart(part));
      if (part.state.status === "pending") return;
    }
    this.send(toolCallUpdate(part));
  }

  private async askPermission(request: Extract<MoorEvent, { type: "permission.asked" }>["properties"]): Promise<void> {
    if (this.answered.has(request.id)) return;
    this.answered.add(request.id);
    await this.chain;
    let reply: PermissionReply = "reject";
    try {
      const response = await this.client.request(methods.client.session.requestPermission, {
        sessionId: this.sessionId,
        toolCall: {
          toolCallId: request.tool?.callID ?? request.id,
          title:
            `${request.permission} ${request.patterns.join(" ")}` +
            (request.sessionID === this.sessionId ? "" : ` (asked in sub-session ${request.sessionID})`),
          kind: toolKind(request.permission === "edit" ? "edit" : request.permission),
          status: "pending",
          rawInput: request.metadata,
        },
        options: [
          { optionId: "allow_once", name: "Allow once", kind: "allow_once" },
          { optionId: "allow_always", name: alwaysLabel(request), kind: "allow_always" },
          { optionId: "reject_once", name: "Reject", kind: "reject_once" },
        ],
      });
      if (response.outcome.outcome === "selected") {
        reply =
          response.outcome.optionId === "allow_always"
            ? "always"
            : response.outcome.optionId === "allow_once"
              ? "once"
              : "reject";
      }
    } catch {
      reply = "reject";
    }
    await this.backend.replyPermission(request.id, reply).catch(() => {});
  }
}

/** Serves ACP on a pair of byte streams (stdin/stdout for `moor acp`). */
export function serveAcp(
  options: AcpAgentOptions,
  io: { input: ReadableStream<Uint8Array>; output: WritableStream<Uint8Array> },
) {
  return createAcpAgent(options).connect(ndJsonStream(io.output, io.input.pipeThrough(lenientInitialize())));
}
