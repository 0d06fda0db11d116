/**
 * Telling message content apart from markup in a Jinja template's output: the template is rendered
 * once with every content replaced by a unique sentinel made of private-use code points, and once with
 * the real content. The sentinel output shows where each content went; the real output shows what the
 * template made of it.
 */

/** A span of template output: markup, or the content of one message. */
export type OutputSegment = { kind: 'markup'; text: string } | { kind: 'content'; messageIndex: number };

/** A span of the final output, with whether it came from message content. */
export interface AttributedSpan {
  /** The text. */
  text: string;
  /** Whether the text came from message content. */
  isContent: boolean;
}

const PRIVATE_USE_FIRST = 0xe000;
const PRIVATE_USE_LAST = 0xf8ff;

/** Delimiters of sentinels, two private-use code points that occur in none of the inputs. */
export interface SentinelDelimiters {
  open: string;
  close: string;
}

/**
 * Picks sentinel delimiters that occur nowhere in `texts` (the template source, message contents and
 * token texts), so a delimiter in the output can only come from a sentinel. Returns `undefined` when
 * the inputs use every private-use code point.
 */
export function pickSentinelDelimiters(texts: readonly string[]): SentinelDelimiters | undefined {
  const used = new Set<number>();
  for (const text of texts) {
    for (const char of text) {
      const codePoint = char.codePointAt(0)!;
      if (codePoint >= PRIVATE_USE_FIRST && codePoint <= PRIVATE_USE_LAST) {
        used.add(codePoint);
      }
    }
  }

  const free: string[] = [];
  for (let codePoint = PRIVATE_USE_FIRST; codePoint <= PRIVATE_USE_LAST && free.length < 2; codePoint++) {
    if (!used.has(codePoint)) {
      free.push(String.fromCodePoint(codePoint));
    }
  }
  return free.length === 2 ? { open: free[0]!, close: free[1]! } : undefined;
}

/** Returns the sentinel that replaces the content of message `messageIndex`. */
export function sentinelFor(delimiters: SentinelDelimiters, messageIndex: number): string {
  return `${delimiters.open}${messageIndex}${delimiters.close}`;
}

/**
 * Splits output rendered with sentinels into markup and content references. Returns a reason string
 * instead when a sentinel was cut or changed, which means the template transformed the content in a
 * way that cannot be traced.
 */
export function splitAtSentinels(
  output: string,
  delimiters: SentinelDelimiters,
  messageCount: number,
): OutputSegment[] | string {
  const segments: OutputSegment[] = [];
  const pattern = new RegExp(`${delimiters.open}(\\d+)${delimiters.close}`, 'g');
  let markupStart = 0;

  const pushMarkup = (text: string): string | undefined => {
    if (text.includes(delimiters.open) || text.includes(delimiters.close)) {
      return 'the template cut or rewrote a message content';
    }
    if (text !== '') {
      segments.push({ kind: 'markup', text });
    }
    return undefined;
  };

  for (const match of output.matchAll(pattern)) {
    const problem = pushMarkup(output.slice(markupStart, match.index));
    if (problem) {
      return problem;
    }
    const messageIndex = Number(match[1]);
    if (messageIndex >= messageCount) {
      return 'the template rewrote a message content';
    }
    segments.push({ kind: 'content', messageIndex });
    markupStart = match.index + match[0].length;
  }
  return pushMarkup(output.slice(markupStart)) ?? segments;
}

/**
 * Returns the forms a template may give a content: unchanged, or trimmed as by `|trim`, `.strip()`,
 * `.lstrip()` and `.rstrip()`. The forms differ only in whitespace, so choosing the wrong one can never
 * turn content into markup that contains a special token.
 */
function contentCandidates(content: string): string[] {
  return [...new Set([content, content.trim(), content.trimStart(), content.trimEnd()])];
}

/**
 * Matches the real output against the markup and content references from the sentinel output, trying
 * for each content the changes of {@link contentCandidates}. Returns the spans, or `undefined` when the
 * real output does not fit, for example because the template branched on the content.
 */
export function attributeOutput(
  segments: readonly OutputSegment[],
  contents: readonly string[],
  output: string,
): AttributedSpan[] | undefined {
  if (segments.length === 0) {
    return output === '' ? [] : undefined;
  }

  // A depth-first search with an explicit stack, because conversations can have thousands of segments.
  // Frame i contains the output offset where segment i starts and the candidate texts still to try.
  interface Frame {
    offset: number;
    candidates: string[];
    next: number;
  }
  const candidatesAt = (segmentIndex: number): string[] => {
    const segment = segments[segmentIndex]!;
    return segment.kind === 'markup' ? [segment.text] : contentCandidates(contents[segment.messageIndex]!);
  };
  // States (segment index, offset) already known to fail, so each is explored once.
  const failed = new Set<string>();
  const stack: Frame[] = [{ offset: 0, candidates: candidatesAt(0), next: 0 }];

  while (stack.length > 0) {
    const segmentIndex = stack.length - 1;
    const frame = stack[segmentIndex]!;
    if (frame.next === frame.candidates.length) {
      failed.add(`${segmentIndex}:${frame.offset}`);
      stack.pop();
      continue;
    }

    const candidate = frame.candidates[frame.next++]!;
    if (!output.startsWith(candidate, frame.offset)) {
      continue;
    }
    const end = frame.offset + candidate.length;
    if (segmentIndex + 1 === segments.length) {
      if (end === output.length) {
        return stack.map((done, index) => ({
          text: done.candidates[done.next - 1]!,
          isContent: segments[index]!.kind === 'content',
        }));
      }
      continue;
    }
    if (!failed.has(`${segmentIndex + 1}:${end}`)) {
      stack.push({ offset: end, candidates: candidatesAt(segmentIndex + 1), next: 0 });
    }
  }
  return undefined;
}
