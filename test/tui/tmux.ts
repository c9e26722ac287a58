// Drives a terminal program in a real tmux session: type keys, read the screen.
import { execFileSync } from "node:child_process";
import { stripAnsi } from "../../src/tui/markdown/ansi.js";
import { MOOR_BIN } from "../fakes/moor-process.js";

export class TmuxSession {
  constructor(readonly name: string) {}

  /**
   * `moor attach URL` in a new session, as a user would run it in the project (CI=true as on a CI runner: the live
   * UI must still draw; Ink alone would print only the last frame).
   */
  static attach(
    name: string,
    url: string,
    home: { env: Record<string, string>; project: string },
    options: { args?: string; env?: Record<string, string> } = {},
  ): TmuxSession {
    const command = `${process.execPath} ${MOOR_BIN} attach ${url}${options.args ? ` ${options.args}` : ""}`;
    return TmuxSession.start(name, command, { CI: "true", ...home.env, ...options.env }, home.project);
  }

  static start(name: string, command: string, env: Record<string, string>, cwd: string): TmuxSession {
    const exports = Object.entries(env)
      .map(([key, value]) => `${key}=${JSON.stringify(value)}`)
      .join(" ");
    execFileSync("tmux", [
      "new-session",
      "-d",
      "-s",
      name,
      "-x",
      "120",
      "-y",
      "40",
      "-c",
      cwd,
      `env ${exports} ${command}; echo "[exit $?]"; sleep 30`,
    ]);
    return new TmuxSession(name);
  }

  keys(...keys: string[]): void {
    execFileSync("tmux", ["send-keys", "-t", this.name, ...keys]);
  }

  type(text: string): void {
    execFileSync("tmux", ["send-keys", "-t", this.name, "-l", text]);
  }

  screen(): string {
    return execFileSync("tmux", ["capture-pane", "-p", "-t", this.name], { encoding: "utf8" });
  }

  /** The screen with its colours and styles as escape codes (`capture-pane -e`). */
  coloredScreen(): string {
    return execFileSync("tmux", ["capture-pane", "-p", "-e", "-t", this.name], { encoding: "utf8" });
  }

  async waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return this.poll(
      () => this.screen(),
      (screen) => screen,
      pattern,
      timeoutMs,
    );
  }

  /**
   * The coloured screen once its text matches. A capture can land while the program is redrawing (half a frame), so
   * a test that reads the colours waits on the capture it reads rather than on an earlier plain one.
   */
  async waitForColored(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    return this.poll(() => this.coloredScreen(), stripAnsi, pattern, timeoutMs);
  }

  private async poll(
    capture: () => string,
    textOf: (screen: string) => string,
    pattern: RegExp,
    timeoutMs: number,
  ): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = capture();
      if (pattern.test(textOf(screen))) return screen;
      if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${textOf(screen)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  kill(): void {
    try {
      execFileSync("tmux", ["kill-session", "-t", this.name], { stdio: "ignore" });
    } catch {
      // Already gone.
    }
  }
}
