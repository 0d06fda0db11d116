/**
 * Lines typed by the user, consumed one at a time. Lines that arrive while a reply is streaming
 * wait here until the reply ends, so typing ahead works.
 */
export class LineQueue {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;

  /** Adds a line; wakes a pending {@link next}. */
  push(line: string): void {
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(line);
    } else {
      this.lines.push(line);
    }
  }

  /** Marks the end of input (Ctrl-D or end of a piped stdin). Queued lines are still returned. */
  end(): void {
    this.ended = true;
    if (this.waiting !== undefined) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve(undefined);
    }
  }

  /** Returns the next line, or `undefined` once input ended and the queue is empty. */
  next(): Promise<string | undefined> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
