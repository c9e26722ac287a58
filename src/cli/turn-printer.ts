// Renders one session's events for `moor run`, in-process or attached: reply text to stdout as it streams, each
// tool call as one line on stderr (what it did: exit code, +/- lines, match count), a closing line with the session,
// model, duration and tokens, or (json) every event as one line on stdout.
import { COMPACTION_MARK } from "../client/compaction.js";
import {
  alwaysLabel,
  type MoorEvent,
  type PermissionReply,
  type PermissionRequest,
  type ToolPart,
} from "../protocol/index.js";
import { TurnTally } from "./closing-line.js";
import { actionInWords, refusalInWords } from "./permission-words.js";
import { COLORS, colorFor, PLAIN, type Style } from "./terminal-style.js";
import { toolSummary } from "./tool-summary.js";

export interface PrinterOptions {
  format: "default" | "json";
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Colour the notes on stderr (see terminal-style.ts for when). */
  color?: boolean;
  /** The session the turn runs in: its messages' tokens make the closing line. */
  sessionID?: string;
  now?: () => number;
}

export class TurnPrinter {
  private readonly announcedTools = new Map<string, string>();
  private endsWithNewline = true;
  private wroteText = false;
  private readonly style: Style;
  private readonly tally = new TurnTally();
  private readonly startedAt: number;
  private sessionID: string | undefined;

  constructor(private readonly options: PrinterOptions) {
    this.style = options.color ? COLORS : PLAIN;
    this.startedAt = (options.now ?? Date.now)();
    this.sessionID = options.sessionID;
  }

  /** The session, when it is known only after the printer was made. */
  setSession(sessionID: string): void {
    this.sessionID = sessionID;
  }

  handle(event: MoorEvent): void {
    if (this.options.format === "json") {
      this.options.stdout.write(`${JSON.stringify(event)}\n`);
      return;
    }
    if (event.type === "message.updated" && this.sessionID) {
      this.tally.note(event.properties.info, this.sessionID);
    } else if (event.type === "message.part.delta") {
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
    if (this.options.format === "default" && this.wroteText && !this.endsWithNewline) {
      this.options.stdout.write("\n");
      this.endsWithNewline = true;
    }
  }

  /** After a turn that ended well: `── ses_… · provider/model · 1.4s · 1,204 in / 87 out tokens` on stderr. */
  closingLine(): void {
    if (this.options.format !== "default" || !this.sessionID) return;
    const elapsed = (this.options.now ?? Date.now)() - this.startedAt;
    this.noteLine(this.tally.line(this.sessionID, elapsed, this.style));
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
    const line = toolSummary(part, this.style);
    if (line === undefined) return;
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

/** `moor run`'s printer: on this process's stdout and stderr, coloured when stderr is a terminal. */
export function terminalPrinter(format: PrinterOptions["format"], sessionID: string): TurnPrinter {
  return new TurnPrinter({
    format,
    stdout: process.stdout,
    stderr: process.stderr,
    color: colorFor(process.stderr, process.env),
    sessionID,
  });
}

/** Ctrl+C at a question: the process got its SIGINT, and the question has no answer. */
export class QuestionInterrupted extends Error {
  constructor() {
    super("interrupted at the permission question");
    this.name = "QuestionInterrupted";
  }
}

/**
 * Asks on the terminal until the answer is one of y/yes, n/no, a/always (anything else asks again); without a
 * terminal, rejects (the caller decides about --yes before this). A refusal is said in words. Ctrl+C at the question
 * (the terminal is raw while it is asked, so no signal comes by itself) is raised in the process as SIGINT, which
 * ends the command as Ctrl+C does anywhere else, and the promise rejects with QuestionInterrupted.
 */
export async function askOnTerminal(
  request: PermissionRequest,
  io: { stdin: NodeJS.ReadStream; stderr: NodeJS.WritableStream; noTerminalHint?: string },
): Promise<PermissionReply> {
  if (!io.stdin.isTTY) {
    io.stderr.write(`moor: ${refusalInWords(request, io.noTerminalHint ?? "no terminal to ask; use --yes")}\n`);
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
    let question = `Allow moor to ${actionInWords(request)}? [y]es / [n]o / [a]lways (${alwaysLabel(request)}): `;
    for (;;) {
      const choice = (await rl.question(question)).trim().toLowerCase();
      if (choice === "a" || choice === "always") return "always";
      if (choice === "y" || choice === "yes") return "once";
      if (choice === "n" || choice === "no") {
        io.stderr.write(`moor: ${refusalInWords(request, "you said no")}\n`);
        return "reject";
      }
      question = `Please answer y (yes, once), n (no) or a (always): `;
    }
  } catch (error) {
    // Closed under the question: by Ctrl+C above, or by the end of input (Ctrl+D).
    if (interrupted) throw new QuestionInterrupted();
    // Input ended (Ctrl+D, or a piped answer ran out) before a yes: nothing was allowed.
    if ((error as Error).name === "AbortError" || (error as { code?: string }).code === "ERR_USE_AFTER_CLOSE")
      return "reject";
    throw error;
  } finally {
    rl.close();
  }
}
