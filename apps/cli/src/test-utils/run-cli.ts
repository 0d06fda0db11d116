import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the monorepo; the CLI runs from here so `--import tsx` resolves. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The CLI entry file, run from source. */
export const CLI_ENTRY = resolve(REPO_ROOT, 'apps/cli/src/main.ts');
/** Node arguments that run the TypeScript sources of every workspace package. */
export const NODE_ARGS = ['--conditions=minichat-source', '--import', 'tsx', CLI_ENTRY];

/** Output of a finished CLI process. */
export interface CliRun {
  /** Exit code, or `null` when a signal ended the process. */
  code: number | null;
  /** Everything written to stdout, as UTF-8. */
  stdout: string;
  /** Raw stdout bytes, for byte-exact comparisons. */
  stdoutBytes: Buffer;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options of {@link spawnCli} and {@link runCliProcess}. */
export interface SpawnCliOptions {
  /** Extra environment variables. `HF_ENDPOINT` defaults to an unreachable local port. */
  env?: Record<string, string | undefined>;
  /** Text written to stdin, which is then closed. Default: stdin closed at once. */
  input?: string;
}

/**
 * Starts the real CLI as a child process. `HF_ENDPOINT` points at a closed local port unless the
 * test sets it, so no test ever reaches the public hub.
 */
export function spawnCli(args: readonly string[], options: SpawnCliOptions = {}): ChildProcess {
  const child = spawn(process.execPath, [...NODE_ARGS, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, HF_ENDPOINT: 'http://127.0.0.1:2', MINICHAT_DEBUG: undefined, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin?.end(options.input ?? '');
  return child;
}

/** Runs the CLI to completion and collects its output. */
export function runCliProcess(args: readonly string[], options: SpawnCliOptions = {}): Promise<CliRun> {
  const child = spawnCli(args, options);
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
  return new Promise((done, fail) => {
    child.on('error', fail);
    child.on('close', (code) => {
      const stdoutBytes = Buffer.concat(stdout);
      done({
        code,
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}
