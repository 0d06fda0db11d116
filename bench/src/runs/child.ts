/**
 * Entry of one measurement child process. The parent passes a {@link RunSpec} as JSON in argv[2]; the
 * child prints one result line to stdout and exits, so every run starts with a fresh heap and its own
 * peak RSS. It imports only the measured runner's module: importing node-llama-cpp alone adds about
 * 56 MB to a process's RSS, which would count against our runtime's peak RSS, and our runtime's modules
 * would count against llama.cpp's.
 */
import { RESULT_LINE_PREFIX, type RunOutcome, type RunSpec } from './types.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec;
let outcome: RunOutcome;
try {
  const measurement =
    spec.runner === 'llama.cpp'
      ? await (await import('./llama-cpp.js')).measureLlamaCpp(spec)
      : await (await import('./ours.js')).measureOurs(spec);
  outcome = { ok: true, measurement };
} catch (error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const cause =
    error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  outcome = { ok: false, error: `${message}${cause}` };
}
process.stdout.write(`${RESULT_LINE_PREFIX}${JSON.stringify(outcome)}\n`);
process.exit(0);
