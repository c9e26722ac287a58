// Renders one session's events for `moor run`, in-process or attached: reply text to stdout as it streams, each
// tool call as one line on stderr, or (json) every event as one line on stdout.
import { COMPACTION_MARK } from "../client/compaction.js";
import {
  alwaysLabel,
  type MoorEvent,
  type PermissionReply,
  type PermissionRequest,
  type ToolPart,
} from "../protocol/index.js";

export interface PrinterOptions {
  format: "default" | "json";
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export class TurnPrinter {
  private readonly announcedTools = new Map<string, string>();
  private endsWithNewline = true;
  private wroteText = false;

  constructor(private readonly options: PrinterOptions) {}

  handle(event: MoorEvent): void {
    if (this.options.format === "json") {
      this.options.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    if (event.type === "message.part.delta") {
      this.writeText(event.properties.delta);
    } else if (event.type === "message.part.updated") {
      const { part } = event.properties;
      if (part.type === "tool") this.toolLine(part);
    } else if (event.type === "session.compacted") {
      this.noteLine(COMPACTION_MARK);
    }
  }

  /** Ends the output with a newline when the reply did not. */
  finish(): void {
    if (this.options.format === "default" && this.wroteText && !this.endsWithNewline) this.options.stdout.write("\n");
  }

  private writeText(text: string): void {
    if (!text) return;
    this.options.stdout.write(text);
    this.wroteText = true;
    this.endsWithNewline = text.endsWith("\n");
  }

  private toolLine(part: ToolPart): void {
    const { state } = part;
    if (state.status !== "completed" && state.status !== "error") return;
    // Compaction pruned an old call's output: that call was reported when it ran.
    if (state.status === "completed" && state.time.compacted) return;
    const line =
      state.status === "completed"
        ? `✓ ${part.tool} ${state.title || describeInput(state.input)}`
        : `✗ ${part.tool} ${describeInput(state.input)}: ${state.error.split("\n")[0]}`;
    if (this.announcedTools.get(part.id) === line) return;
    this.announcedTools.set(part.id, line);
    this.noteLine(line);
  }

  /** A line on stderr, after the reply text so far is ended with a newline. */
  private noteLine(line: string): void {
    if (!this.endsWithNewline) {
      this.options.stdout.write("\n");
      this.endsWithNewline = true;
    }
    this.options.stderr.write(`${line}\n`);
  }
}

export function describeInput(input: Record<string, unknown>): string {
  const value = input.filePath ?? input.command ?? input.pattern ?? input.path ?? "";
  const text = String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Ctrl+C at a question: the process got its SIGINT, and the question has no answer. */
export class QuestionInterrupted extends Error {
  constructor() {
    super("interrupted at the permission question");
    this.name = "QuestionInterrupted";
  }
}

/**
 * Asks on the terminal; without one, rejects (the caller decides about --yes before this). Ctrl+C at the question
 * (the terminal is raw while it is asked, so no signal comes by itself) is raised in the process as SIGINT, which
 * ends the command as Ctrl+C does anywhere else, and the promise rejects with QuestionInterrupted.
 */
export async function askOnTerminal(
  request: PermissionRequest,
  io: { stdin: NodeJS.ReadStream; stderr: NodeJS.WritableStream },
): Promise<PermissionReply> {
  if (!io.stdin.isTTY) {
    io.stderr.write(
      `moor: rejected ${request.permission} ${request.patterns.join(" ")} (no terminal to ask; use --yes)\n`,
    );
    return "reject";
  }
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: io.stdin, output: io.stderr });
  let interrupted = false;
  rl.on("SIGINT", () => {
    interrupted = true;
    io.stderr.write("\n");
    rl.close();
    // Raised here and now: a signal sent to ourselves would come after the closed terminal let the process end.
    if (process.listenerCount("SIGINT") > 0) process.emit("SIGINT", "SIGINT");
    else process.kill(process.pid, "SIGINT");
  });
  try {
    const answer = await rl.question(
      `Allow ${request.permission} ${request.patterns.join(" ")}? [y]es / [n]o / [a]lways (${alwaysLabel(request)}): `,
    );
    const choice = answer.trim().toLowerCase();
    if (choice === "a" || choice === "always") return "always";
    if (choice === "y" || choice === "yes") return "once";
    return "reject";
  } catch (error) {
    // Closed under the question: by Ctrl+C above, or by the end of input (Ctrl+D).
    if (interrupted) throw new QuestionInterrupted();
    if ((error as Error).name === "AbortError") return "reject";
    throw error;
  } finally {
    rl.close();
  }
}
