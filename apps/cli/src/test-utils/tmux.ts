import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Options of {@link TmuxSession.start}. */
export interface TmuxStartOptions {
  /** Environment variables for the command. */
  env?: Record<string, string>;
  /** Terminal width in columns. Default: 160. */
  columns?: number;
  /** Terminal height in rows. Default: 50. */
  rows?: number;
  /** Working directory. */
  cwd: string;
}

/** Quotes one word for `sh -c`. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/**
 * A program running in a detached tmux session on a private server socket, driven like a user
 * at a terminal: send keys, read the screen. Needs the `tmux` binary (Debian package `tmux`).
 */
export class TmuxSession {
  private constructor(
    private readonly socket: string,
    private readonly name: string,
    private readonly statusFile: string,
  ) {}

  /** Starts `argv` in a new tmux session with a UTF-8 terminal. */
  static async start(argv: readonly string[], options: TmuxStartOptions): Promise<TmuxSession> {
    const socket = `minichat-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
    const name = 'chat';
    const env = Object.entries({ LANG: 'C.UTF-8', ...options.env }).map(
      ([key, value]) => `${key}=${shellQuote(value)}`,
    );
    // tmux 3.3a does not report #{pane_dead_status} reliably, so the shell writes the exit status to a file.
    const statusFile = join(tmpdir(), `${socket}.status`);
    const command = `${['env', ...env, ...argv.map(shellQuote)].join(' ')}; echo $? > ${shellQuote(statusFile)}`;
    await run('tmux', [
      '-u',
      '-L',
      socket,
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(options.columns ?? 160),
      '-y',
      String(options.rows ?? 50),
      '-c',
      options.cwd,
      command,
    ]);
    // Keep the pane after the program exits so the test can read its last screen.
    await run('tmux', ['-L', socket, 'set-option', '-t', name, 'remain-on-exit', 'on']);
    return new TmuxSession(socket, name, statusFile);
  }

  /** Types `text` literally (no key names are interpreted). */
  async type(text: string): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, '-l', text]);
  }

  /** Presses keys by tmux name, such as `Enter`, `C-c` or `C-d`. */
  async press(...keys: string[]): Promise<void> {
    await run('tmux', ['-L', this.socket, 'send-keys', '-t', this.name, ...keys]);
  }

  /** Returns the screen and scrollback as text, with wrapped lines joined and trailing empty rows removed. */
  async screen(): Promise<string> {
    const { stdout } = await run('tmux', [
      '-L',
      this.socket,
      'capture-pane',
      '-p',
      '-J',
      '-t',
      this.name,
      '-S',
      '-5000',
    ]);
    // The empty rows below the cursor come back as newlines; drop them so patterns can end with `$`.
    return stdout.replace(/\n+$/, '');
  }

  /** Waits until the screen matches `pattern` and returns the screen. Fails with the last screen after `timeoutMs`. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = await this.screen();
      if (pattern.test(screen)) return screen;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`Timed out after ${timeoutMs} ms waiting for ${pattern} on the screen:\n${screen}`);
  }

  /** Returns the exit status once the program has exited, or `undefined` while it runs. */
  async exitStatus(): Promise<number | undefined> {
    const text = await readFile(this.statusFile, 'utf8').catch(() => '');
    return text.endsWith('\n') ? Number(text.trim()) : undefined;
  }

  /** Waits for the program to exit and returns its exit status. */
  async waitForExit(timeoutMs = 30_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const status = await this.exitStatus();
      if (status !== undefined) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(
      `Timed out after ${timeoutMs} ms waiting for the program to exit:\n${await this.screen()}`,
    );
  }

  /** Stops the tmux server of this session. */
  async kill(): Promise<void> {
    await run('tmux', ['-L', this.socket, 'kill-server']).catch(() => undefined);
    await rm(this.statusFile, { force: true });
  }
}
