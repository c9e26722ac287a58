// moor's answer to ACP `initialize`, built without the ACP SDK (types only): `moor acp` sends it as soon as the
// config is read, before the SDK and the core have loaded (early-initialize.ts), and the SDK's handler returns the
// same object (agent.ts), so both paths answer alike.
import type { InitializeResponse } from "@agentclientprotocol/sdk/unstable";

/** ACP's protocol version moor speaks: the SDK's PROTOCOL_VERSION (a test checks they agree). */
export const ACP_PROTOCOL_VERSION = 1;

export interface InitializeFacts {
  version: string;
  /** Whether a configured model takes images (config `attachment` or `modalities.input`). */
  imageInput: boolean;
  /** Whether the backend can fork sessions (session/fork). */
  fork: boolean;
  /** Whether the editor's HTTP and SSE MCP servers are started for its sessions (not with --attach). */
  sessionMcpServers: boolean;
}

export function initializeResult(facts: InitializeFacts): InitializeResponse {
  return {
    protocolVersion: ACP_PROTOCOL_VERSION,
    agentCapabilities: {
      loadSession: true,
      // Images are accepted when a configured model takes them (config `attachment` or `modalities.input`).
      promptCapabilities: { image: facts.imageInput, audio: false, embeddedContext: true },
      sessionCapabilities: { list: {}, resume: {}, close: {}, ...(facts.fork ? { fork: {} } : {}) },
      // The editor's MCP servers (session/new, session/load) are started for their session: stdio always.
      mcpCapabilities: { http: facts.sessionMcpServers, sse: facts.sessionMcpServers },
    },
    authMethods: [],
    agentInfo: { name: "moor", title: "Moor", version: facts.version },
  };
}
