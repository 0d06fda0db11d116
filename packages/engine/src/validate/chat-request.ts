import type { ChatMessage } from '@minichat/chat-template';
import { InvalidParameterError, InvalidRequestError } from '../errors.js';
import { MAX_CHAT_TOP_LOGPROBS } from '../limits.js';
import { COMMON_FIELDS, readCommonFields, UNSUPPORTED_FIELDS, type ValidatedCommonFields } from './common.js';
import {
  isJsonObject,
  type JsonObject,
  readBoolean,
  readNumber,
  rejectOtherFields,
  requireObject,
} from './fields.js';

/** A validated chat-completions request. */
export interface ValidatedChatRequest extends ValidatedCommonFields {
  /** The conversation, with `developer` mapped to `system` and text parts joined. */
  messages: ChatMessage[];
}

const CHAT_FIELDS = new Set([
  ...COMMON_FIELDS,
  'messages',
  'max_completion_tokens',
  'logprobs',
  'top_logprobs',
]);

const MESSAGE_FIELDS = new Set(['role', 'content']);

const UNSUPPORTED_MESSAGE_FIELDS: Readonly<Record<string, string>> = {
  name: 'participant names are not part of the chat templates; put the name in the content.',
  tool_calls: 'tool calling is not implemented.',
  tool_call_id: 'tool calling is not implemented.',
  function_call: 'function calling is not implemented.',
  refusal: 'refusals are not implemented.',
  audio: 'audio is not implemented.',
};

const ROLES: Readonly<Record<string, ChatMessage['role']>> = {
  system: 'system',
  developer: 'system',
  user: 'user',
  assistant: 'assistant',
};

/** Reads a message's content: a string, or an array of `{type: 'text', text}` parts joined together. */
function readContent(message: JsonObject, prefix: string): string {
  const content = message.content;
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) {
    throw new InvalidParameterError(
      `${prefix}.content`,
      content,
      'expected a string or an array of text parts',
    );
  }
  let text = '';
  content.forEach((part: unknown, index) => {
    const param = `${prefix}.content[${index}]`;
    if (!isJsonObject(part) || typeof part.type !== 'string') {
      throw new InvalidParameterError(
        param,
        part,
        'expected a content part such as {"type": "text", "text": "Hi"}',
      );
    }
    if (part.type !== 'text') {
      throw new InvalidRequestError(
        `Unsupported content part type '${part.type}' in '${param}': the served models read text only.`,
        `${param}.type`,
        'unsupported_parameter',
      );
    }
    if (typeof part.text !== 'string') {
      throw new InvalidParameterError(`${param}.text`, part.text, 'expected a string');
    }
    text += part.text;
  });
  return text;
}

/** Reads and checks `messages`. */
function readMessages(body: JsonObject): ChatMessage[] {
  const messages = body.messages;
  if (messages === undefined) {
    throw new InvalidRequestError(
      "Missing required field 'messages': send the conversation as an array of {role, content} objects.",
      'messages',
      'missing_required_parameter',
    );
  }
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new InvalidParameterError(
      'messages',
      messages,
      'expected a non-empty array of {role, content} objects',
    );
  }
  return messages.map((message: unknown, index) => {
    const prefix = `messages[${index}]`;
    if (!isJsonObject(message)) {
      throw new InvalidParameterError(
        prefix,
        message,
        'expected an object such as {"role": "user", "content": "Hi"}',
      );
    }
    rejectOtherFields(message, MESSAGE_FIELDS, UNSUPPORTED_MESSAGE_FIELDS, `${prefix}.`);
    const role = typeof message.role === 'string' ? ROLES[message.role] : undefined;
    if (role === undefined) {
      throw new InvalidParameterError(
        `${prefix}.role`,
        message.role,
        `expected one of ${Object.keys(ROLES).join(', ')} (tool and function messages are not supported)`,
      );
    }
    return { role, content: readContent(message, prefix) };
  });
}

/**
 * Validates the body of a chat-completions request.
 *
 * @throws {@link InvalidRequestError} (or a subclass) naming the field at fault
 */
export function validateChatRequest(body: unknown): ValidatedChatRequest {
  const object = requireObject(body, 'chat completions');
  rejectOtherFields(object, CHAT_FIELDS, UNSUPPORTED_FIELDS);
  const common = readCommonFields(object);
  const messages = readMessages(object);

  const maxCompletionTokens = readNumber(object, 'max_completion_tokens', { min: 1, integer: true });
  if (maxCompletionTokens !== undefined && common.maxTokens !== undefined) {
    throw new InvalidRequestError(
      "Send either 'max_tokens' or 'max_completion_tokens', not both.",
      'max_completion_tokens',
      'invalid_value',
    );
  }

  const logprobs = readBoolean(object, 'logprobs') ?? false;
  const topLogprobs = readNumber(object, 'top_logprobs', {
    min: 0,
    max: MAX_CHAT_TOP_LOGPROBS,
    integer: true,
  });
  if (topLogprobs !== undefined && !logprobs) {
    throw new InvalidParameterError('top_logprobs', topLogprobs, 'only allowed when logprobs is true');
  }

  return {
    ...common,
    maxTokens: common.maxTokens ?? maxCompletionTokens,
    messages,
    sampling: { ...common.sampling, logprobs, topLogprobs: topLogprobs ?? 0 },
  };
}
