import type { ServerResponse } from 'node:http';
import { EngineError, type OpenAIErrorBody } from '../errors.js';
import { formatSseEvent, SSE_DONE } from '../sse.js';

/** Sends a JSON response. */
export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

/** Returns the OpenAI error body and status for any error; unknown errors become a 500 that hides their details. */
export function errorResponse(error: unknown): {
  status: number;
  body: OpenAIErrorBody;
  headers: Record<string, string>;
} {
  if (EngineError.isInstance(error)) {
    const headers: Record<string, string> = {};
    if (error.status === 429 || error.status === 503) headers['Retry-After'] = '1';
    return { status: error.status, body: error.toJSON(), headers };
  }
  return {
    status: 500,
    body: {
      error: {
        message: 'The server failed while handling the request; see its log for the error.',
        type: 'server_error',
        param: null,
        code: 'internal_error',
      },
    },
    headers: {},
  };
}

/**
 * Waits until the response can take more data or the connection closes. Returns false when the
 * connection closed, so the caller stops writing.
 */
function waitForDrain(response: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const onDrain = (): void => {
      response.off('close', onClose);
      resolve(true);
    };
    const onClose = (): void => {
      response.off('drain', onDrain);
      resolve(false);
    };
    response.once('drain', onDrain);
    response.once('close', onClose);
  });
}

/**
 * Streams `chunks` as server-sent events, then `data: [DONE]`. Respects backpressure: the next chunk is
 * pulled only after the socket took the previous one, so a slow reader slows generation instead of
 * filling memory. An error from the stream is sent as one `{"error": …}` event before the stream ends,
 * which the `openai` client raises as an API error.
 *
 * @returns the error the stream raised, if any, for the log
 */
export async function sendEventStream(
  response: ServerResponse,
  chunks: AsyncIterableIterator<unknown>,
  requestId: string,
): Promise<unknown> {
  response.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Request-Id': requestId,
  });
  response.flushHeaders();

  const write = async (text: string): Promise<boolean> => {
    if (response.destroyed) return false;
    if (response.write(text)) return true;
    return waitForDrain(response);
  };

  let failure: unknown;
  try {
    for await (const chunk of chunks) {
      if (!(await write(formatSseEvent(chunk)))) break;
    }
  } catch (error) {
    failure = error;
    await write(formatSseEvent(errorResponse(error).body));
  } finally {
    // Leaving the loop early (the client closed) must still end the generation and free the model.
    await chunks.return?.();
  }
  if (failure === undefined) await write(SSE_DONE);
  response.end();
  return failure;
}
