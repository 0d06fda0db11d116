/**
 * Server-sent events in the form the OpenAI streaming API uses: one `data:` line with a JSON object per
 * event, each followed by a blank line, and a final `data: [DONE]`.
 */

/** The event that ends an OpenAI stream. */
export const SSE_DONE = 'data: [DONE]\n\n';

/**
 * Formats one JSON event. `JSON.stringify` escapes line breaks inside strings, so the data always fits
 * on one line, as the event-stream format requires.
 */
export function formatSseEvent(data: unknown): string {
  return `data: ${JSON.stringify(data)}\n\n`;
}

/**
 * Formats a comment line. Clients ignore it; a server sends one to keep an idle connection open or to
 * find out early that the client has gone.
 */
export function formatSseComment(text: string): string {
  return `: ${text.replaceAll(/[\r\n]+/g, ' ')}\n\n`;
}
