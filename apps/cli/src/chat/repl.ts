import { createInterface, type Interface } from 'node:readline';
import { Writable } from 'node:stream';
import type { CliIo } from '../args/command.js';
import { ExitCode } from '../errors.js';
import { toCliError } from '../report-error.js';
import { LineQueue } from './line-queue.js';

/** Counts and speed of one reply, shown after it. */
export interface ReplyStats {
  /** Tokens generated. */
  completionTokens: number;
  /** Decode speed in tokens per second. */
  tokensPerSecond: number;
  /** Why the reply ended: `stop` (end of turn), `length` (token limit), `abort` (Ctrl-C) or another runtime reason. */
  finishReason: string;
  /** Prompt tokens of this turn (the whole conversation, rendered). */
  promptTokens: number;
  /** Of those, tokens whose keys and values were reused from the KV cache. */
  cachedPromptTokens: number;
  /** Tokens in the KV cache after the reply (conversation so far). */
  contextTokens: number;
  /** Context window in tokens. */
  contextLength: number;
}

/** Chat session interface the REPL drives: send a message and stream the reply, reset, change the system prompt. */
export interface ReplSession {
  /** Sends a user message and streams the reply text through `onText`. Resolves when the reply ends. */
  send(
    message: string,
    options: { signal: AbortSignal; onText: (text: string) => void },
  ): Promise<ReplyStats>;
  /** Clears the conversation but keeps the system prompt. */
  reset(): void;
  /** Current system prompt, or `undefined` when the template has none. */
  readonly systemPrompt: string | undefined;
  /** Sets the system prompt and clears the conversation. */
  setSystemPrompt(text: string): void;
  /** Lines for `/settings`: model, backend, template, sampling, context. */
  describeSettings(): string[];
}

/** Options of {@link runChatRepl}. */
export interface ChatReplOptions {
  /** Terminal streams. */
  io: CliIo;
  /** The session to talk to. */
  session: ReplSession;
  /** Lines printed to stderr before the first prompt. */
  banner: readonly string[];
  /** Aborted by SIGINT or SIGTERM from outside the terminal: ends the REPL. */
  signal: AbortSignal;
}

/** Text of `/help`. */
const HELP_LINES = [
  'Commands:',
  '  /reset          forget the conversation (the system prompt stays)',
  '  /system TEXT    set the system prompt and start a new conversation; /system alone shows it',
  '  /settings       show model, backend, chat template, sampling settings and context use',
  '  /help           show this list',
  '  /quit           exit (Ctrl-D works too)',
  'Ctrl-C stops the reply being written; at an empty prompt, press it twice to exit.',
];

/** Formats the line shown after a reply, such as `[42 tokens, 12.3 tokens/s, prompt 30 tokens (20 cached), context 72/4096]`. */
export function formatReplyStats(stats: ReplyStats): string {
  const reason =
    stats.finishReason === 'abort'
      ? 'stopped, '
      : stats.finishReason === 'length'
        ? 'token limit reached, '
        : '';
  return (
    `[${reason}${stats.completionTokens} tokens, ${stats.tokensPerSecond.toFixed(1)} tokens/s, ` +
    `prompt ${stats.promptTokens} tokens (${stats.cachedPromptTokens} cached), context ${stats.contextTokens}/${stats.contextLength}]`
  );
}

/**
 * Output stream for readline that drops writes while a reply streams, so keys typed during a
 * reply are not echoed into it. The typed text stays in readline's buffer and shows at the next prompt.
 */
class GatedOutput extends Writable {
  open = true;

  constructor(private readonly target: NodeJS.WritableStream & { columns?: number }) {
    super();
  }

  get columns(): number | undefined {
    return this.target.columns;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.open) this.target.write(chunk);
    callback();
  }
}

/**
 * Runs the interactive chat: reads lines, handles `/` commands, streams replies to stdout and the
 * stats line to stderr. Ctrl-C during a reply stops only that reply; Ctrl-C twice at an empty prompt,
 * Ctrl-D or `/quit` exits. Returns the exit code.
 */
export async function runChatRepl(options: ChatReplOptions): Promise<number> {
  const { io, session } = options;
  const terminal = io.stdin.isTTY === true;
  const output = new GatedOutput(io.stdout as NodeJS.WritableStream & { columns?: number });
  const readline: Interface = createInterface({
    input: io.stdin,
    output,
    terminal,
    prompt: '> ',
    historySize: 200,
  });
  const lines = new LineQueue();
  let reply: AbortController | undefined;
  let interruptsAtPrompt = 0;

  readline.on('line', (line) => lines.push(line));
  readline.on('close', () => lines.end());
  readline.on('SIGINT', () => {
    if (reply !== undefined) {
      reply.abort();
      return;
    }
    if (readline.line.length > 0) {
      // Drop the half-typed line, like a shell does.
      readline.write(null, { ctrl: true, name: 'u' });
      interruptsAtPrompt = 0;
      return;
    }
    interruptsAtPrompt += 1;
    if (interruptsAtPrompt >= 2) {
      readline.close();
      return;
    }
    io.stderr.write('\n(Press Ctrl-C again, Ctrl-D or type /quit to exit.)\n');
    readline.prompt();
  });
  const onExternalAbort = (): void => {
    reply?.abort();
    readline.close();
  };
  options.signal.addEventListener('abort', onExternalAbort, { once: true });

  for (const line of options.banner) io.stderr.write(`${line}\n`);
  try {
    for (;;) {
      if (terminal) readline.prompt(true);
      const line = await lines.next();
      if (line === undefined) break;
      interruptsAtPrompt = 0;
      const text = line.trim();
      if (text === '') continue;

      if (text.startsWith('/')) {
        if (runSlashCommand(text, session, io) === 'quit') break;
        continue;
      }

      reply = new AbortController();
      output.open = false;
      try {
        const stats = await session.send(text, {
          signal: reply.signal,
          onText: (delta) => io.stdout.write(delta),
        });
        io.stdout.write('\n');
        io.stderr.write(`${formatReplyStats(stats)}\n`);
      } catch (error) {
        // A failed turn (for example a message too long for the context) leaves the session usable.
        io.stderr.write(`error: ${toCliError(error).message}\n`);
      } finally {
        reply = undefined;
        output.open = true;
      }
    }
  } finally {
    options.signal.removeEventListener('abort', onExternalAbort);
    readline.close();
  }
  if (terminal) io.stderr.write('\n');
  return options.signal.aborted ? ExitCode.interrupted : ExitCode.ok;
}

/** Runs one `/` command. Returns `quit` when the REPL should end. */
function runSlashCommand(text: string, session: ReplSession, io: CliIo): 'quit' | undefined {
  const [command = '', ...rest] = text.split(/\s+/);
  const argument = text.slice(command.length).trim();
  switch (command) {
    case '/quit':
    case '/exit':
      return 'quit';
    case '/help':
      io.stderr.write(`${HELP_LINES.join('\n')}\n`);
      return undefined;
    case '/reset':
      session.reset();
      io.stderr.write('Conversation reset.\n');
      return undefined;
    case '/system':
      if (rest.length === 0) {
        io.stderr.write(`System prompt: ${session.systemPrompt ?? '(none)'}\n`);
      } else {
        session.setSystemPrompt(argument);
        io.stderr.write('System prompt set; conversation reset.\n');
      }
      return undefined;
    case '/settings':
      io.stderr.write(`${session.describeSettings().join('\n')}\n`);
      return undefined;
    default:
      io.stderr.write(`Unknown command ${command}. Type /help for the list of commands.\n`);
      return undefined;
  }
}
