import type { Logger } from '../log.js';

/**
 * Returns a {@link Logger} that writes each record as one JSON line to `stream`, such as
 * `process.stderr`. A record that cannot be serialized (a cycle, a BigInt) is written as an error record
 * that names the event instead of being dropped silently.
 */
export function jsonLinesLogger(stream: NodeJS.WritableStream): Logger {
  return (entry) => {
    let line: string;
    try {
      line = JSON.stringify(entry);
    } catch (error) {
      line = JSON.stringify({
        level: 'error',
        time: entry.time,
        event: 'log_serialization_failed',
        original_event: entry.event,
        error_message: (error as Error).message,
      });
    }
    stream.write(`${line}\n`);
  };
}
