/**
 * Entry of one measurement child process. The parent passes a {@link RunSpec} as JSON in argv[2]; the
 * child prints one result line to stdout and exits, so every run starts with a fresh heap and its own
 * peak RSS.
 */
import { measureLlamaCpp } from './llama-cpp.js';
import { measureOurs } from './ours.js';
import { RESULT_LINE_PREFIX, type RunOutcome, type RunSpec } from './types.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as RunSpec;
let outcome: RunOutcome;
try {
  const measurement = spec.runner === 'llama.cpp' ? await measureLlamaCpp(spec) : await measureOurs(spec);
  outcome = { ok: true, measurement };
} catch (error) {
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const cause =
    error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : '';
  outcome = { ok: false, error: `${message}${cause}` };
}
process.stdout.write(`${RESULT_LINE_PREFIX}${JSON.stringify(outcome)}\n`);
process.exit(0);
