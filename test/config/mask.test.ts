// What `moor debug config` and GET /config show of secrets (config/mask.ts).
import { describe, expect, it } from "vitest";
import { maskSecrets, maskUrl } from "../../src/config/mask.js";

describe("masking secrets", () => {
  it("masks every header value, secret-named keys (nested too), URL userinfo and token-like query values", () => {
    const masked = maskSecrets({
      model: "p/m",
      keybinds: { leader: "ctrl+x" },
      provider: {
        p: {
          options: {
            baseURL: "https://alice:hunter2-password@llm.example/v1?api_key=sk-live-1234567890&region=eu",
            apiKey: "sk-abcdefghijklmnop",
            headers: { Authorization: "Bearer abcdefghijklmnopqrstuvwxyz", "X-Org": "acme-corporation-1" },
            clientSecret: "s3cr3t",
            auth: { user: "bob", pass: "plain-password-here" },
            maxTokens: 1000,
          },
        },
      },
      mcp: {
        remote: { url: "https://tok_ABCDEFGH@mcp.example/sse?token=xyz-123&sig=abc", cookie: "sid=42" },
        local: { command: ["server", "--db", "postgres://admin:pw-secret@db/x"], environment: { GITHUB_PAT: "ghp_x" } },
      },
    });
    const text = JSON.stringify(masked);
    for (const secret of [
      "hunter2",
      "sk-live-1234567890",
      "sk-abcdefghijklmnop",
      "abcdefghijklmnopqrstuvwxyz",
      "acme-corporation-1",
      "s3cr3t",
      "plain-password-here",
      "tok_ABCDEFGH",
      "xyz-123",
      "sig=abc",
      "sid=42",
      "pw-secret",
      "ghp_x",
    ]) {
      expect(text).not.toContain(secret);
    }
    const options = masked.provider.p.options;
    expect(options.baseURL).toBe("https://alice:***@llm.example/v1?api_key=***&region=eu");
    expect(options.apiKey).toBe("****mnop");
    expect(options.headers.Authorization).toBe("****wxyz");
    expect(options.auth).toEqual({ user: "****", pass: "****here" });
    expect(options.maxTokens).toBe(1000);
    expect(masked.mcp.remote.url).toBe("https://***@mcp.example/sse?token=***&sig=***");
    expect(masked.mcp.local.command[2]).toBe("postgres://admin:***@db/x");
    expect(masked.model).toBe("p/m");
    expect(masked.keybinds).toEqual({ leader: "ctrl+x" });
  });

  it("leaves URLs without secrets as they were written", () => {
    expect(maskUrl("http://127.0.0.1:11434/v1")).toBe("http://127.0.0.1:11434/v1");
    expect(maskUrl("see https://x.example/a?page=2")).toBe("see https://x.example/a?page=2");
  });
});
