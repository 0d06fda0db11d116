/** Formats a byte count with decimal units, as the Hugging Face hub shows sizes (1.82 GB). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  let digits = 2;
  if (unit === 0 || value >= 100) digits = 0;
  else if (value >= 10) digits = 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** Formats a duration in seconds for progress lines (`0.84 s`, `12.3 s`, `2 min 05 s`). */
export function formatSeconds(seconds: number): string {
  if (seconds < 10) return `${seconds.toFixed(2)} s`;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds - minutes * 60);
  return `${minutes} min ${String(rest).padStart(2, '0')} s`;
}

/** Stream a progress bar draws on. `isTTY` decides between a live bar and a summary line. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link ProgressBar}. */
export interface ProgressBarOptions {
  /** Text before the bar, such as a file name. */
  label: string;
  /** Amount that means 100 %, or `undefined` when unknown. */
  total: number | undefined;
  /** `bytes` shows sizes and a rate, `items` shows counts such as `12/24`. Default: `bytes`. */
  unit?: 'bytes' | 'items';
  /** Minimum time between redraws in milliseconds. Default: 100. */
  redrawIntervalMs?: number;
  /** Clock in milliseconds, replaceable in tests. Default: `performance.now`. */
  now?: () => number;
}

/** Characters of the bar itself. */
const BAR_WIDTH = 24;

/**
 * A progress bar on stderr. On a terminal it redraws one line in place. On a pipe or file it writes
 * only one summary line when it finishes, so logs stay readable.
 */
export class ProgressBar {
  private readonly stream: ProgressStream;
  private readonly options: Required<Omit<ProgressBarOptions, 'total'>> & { total: number | undefined };
  private readonly startedAt: number;
  private lastDrawAt = Number.NEGATIVE_INFINITY;
  private done = 0;
  private finished = false;

  constructor(stream: ProgressStream, options: ProgressBarOptions) {
    this.stream = stream;
    this.options = {
      label: options.label,
      total: options.total,
      unit: options.unit ?? 'bytes',
      redrawIntervalMs: options.redrawIntervalMs ?? 100,
      now: options.now ?? (() => performance.now()),
    };
    this.startedAt = this.options.now();
  }

  /** Sets the amount done so far and redraws when the redraw interval has passed. */
  update(done: number, total?: number): void {
    this.done = done;
    if (total !== undefined) this.options.total = total;
    if (this.finished || this.stream.isTTY !== true) return;
    const now = this.options.now();
    if (now - this.lastDrawAt < this.options.redrawIntervalMs) return;
    this.lastDrawAt = now;
    this.stream.write(`\r\x1b[K${this.render(now)}`);
  }

  /** Draws the final state and ends the line. `note` replaces the summary, for example `cached`. */
  finish(note?: string): void {
    if (this.finished) return;
    this.finished = true;
    const line = note === undefined ? this.render(this.options.now()) : `${this.options.label}: ${note}`;
    this.stream.write(this.stream.isTTY === true ? `\r\x1b[K${line}\n` : `${line}\n`);
  }

  /** Erases a live bar without printing a summary, for example before an error message. */
  clear(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.stream.isTTY === true) this.stream.write('\r\x1b[K');
  }

  /** Renders the current line: label, bar, percent, amounts and rate. */
  render(now: number): string {
    const { label, total, unit } = this.options;
    const elapsedSeconds = Math.max((now - this.startedAt) / 1000, 1e-9);
    const amount =
      unit === 'bytes'
        ? `${formatBytes(this.done)}${total === undefined ? '' : ` / ${formatBytes(total)}`}`
        : `${this.done}${total === undefined ? '' : `/${total}`}`;
    const rate = unit === 'bytes' ? `  ${formatBytes(this.done / elapsedSeconds)}/s` : '';
    const time = `  ${formatSeconds(elapsedSeconds)}`;
    if (total === undefined || total <= 0) return `${label}  ${amount}${rate}${time}`;

    const fraction = Math.min(Math.max(this.done / total, 0), 1);
    const filled = Math.round(fraction * BAR_WIDTH);
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
    const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
    return `${label} ${bar} ${percent}  ${amount}${rate}${time}`;
  }
}
