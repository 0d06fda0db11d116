/**
 * Finds stop strings in streamed text. Text that could still turn into a stop string is held back, so
 * the caller never emits part of one.
 */
export class StopStringMatcher {
  private pending = '';

  constructor(private readonly stopStrings: readonly string[]) {}

  /**
   * Adds a text delta. Returns the text that is safe to emit and, when a stop string completed, that
   * string; the text then ends right before it.
   */
  push(delta: string): { text: string; stop: string | undefined } {
    this.pending += delta;
    if (this.stopStrings.length === 0) return this.take(this.pending.length, undefined);

    let matchIndex = -1;
    let match: string | undefined;
    for (const stop of this.stopStrings) {
      const index = this.pending.indexOf(stop);
      if (index !== -1 && (matchIndex === -1 || index < matchIndex)) {
        matchIndex = index;
        match = stop;
      }
    }
    if (match !== undefined) {
      const text = this.pending.slice(0, matchIndex);
      this.pending = '';
      return { text, stop: match };
    }
    return this.take(this.pending.length - this.heldBackLength(), undefined);
  }

  /** Returns the held-back text; call it when generation ends without a stop string. */
  flush(): string {
    const text = this.pending;
    this.pending = '';
    return text;
  }

  /** Length of the longest end of the pending text that begins some stop string. */
  private heldBackLength(): number {
    let longest = 0;
    for (const stop of this.stopStrings) {
      const limit = Math.min(stop.length - 1, this.pending.length);
      for (let length = limit; length > longest; length--) {
        if (this.pending.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }

  private take(length: number, stop: string | undefined): { text: string; stop: string | undefined } {
    const text = this.pending.slice(0, length);
    this.pending = this.pending.slice(length);
    return { text, stop };
  }
}
