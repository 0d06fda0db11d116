import { runCli } from './cli.js';
import { ExitCode } from './errors.js';

// Entry point of the `minichat` binary. The first Ctrl-C (or SIGTERM) aborts the running command,
// which then cleans up and exits with 130; a second one exits at once. The interactive chat reads
// Ctrl-C from the terminal itself, so there a Ctrl-C stops only the current reply.
const interrupt = new AbortController();
let interrupts = 0;
const onSignal = (): void => {
  interrupts += 1;
  if (interrupts > 1) process.exit(ExitCode.interrupted);
  interrupt.abort(new DOMException('Interrupted', 'AbortError'));
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const exitCode = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
  },
  { signal: interrupt.signal },
);

// Wait until stdout is flushed to a pipe, then exit even if a GPU device or timer keeps the loop alive.
process.stdout.write('', () => process.exit(exitCode));
