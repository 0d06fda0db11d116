import { LLAMA_EOS_TOKEN, LLAMA_EOS_TOKEN_ID } from './builtin/defaults.js';
import { InvalidTokenizerConfigError, LimitExceededError } from './errors.js';
import { jinjaTemplate } from './jinja-template.js';
import { MAX_NAMED_TEMPLATES, MAX_TOKENIZER_CONFIG_CHARS } from './limits.js';
import type { ChatTemplate, StopConditions } from './types.js';

/** Options of {@link templateFromTokenizerConfig}. */
export interface TokenizerConfigTemplateOptions {
  /**
   * Name of the template to use when `chat_template` is a list of named templates. Default `'default'`.
   */
  templateName?: string;
  /** Name of the returned template. Default `'tokenizer_config'`, or `'tokenizer_config:<templateName>'` for a named one. */
  name?: string;
  /**
   * When generation ends. Default: the id of `eos_token` from `added_tokens_decoder`; without one, LLaMA's
   * EOS id 2, plus `eos_token` as a stop string when it is not `</s>`.
   */
  stop?: StopConditions;
}

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses the config text, bounded by {@link MAX_TOKENIZER_CONFIG_CHARS}. */
function parseConfig(config: string | object): JsonObject {
  let parsed: unknown = config;
  if (typeof config === 'string') {
    if (config.length > MAX_TOKENIZER_CONFIG_CHARS) {
      throw new LimitExceededError(
        'MAX_TOKENIZER_CONFIG_CHARS',
        MAX_TOKENIZER_CONFIG_CHARS,
        config.length,
        'length of tokenizer_config.json in characters',
      );
    }
    try {
      parsed = JSON.parse(config);
    } catch (error) {
      throw new InvalidTokenizerConfigError(
        `tokenizer_config.json is not valid JSON (${(error as Error).message}). Pass the file's text unchanged.`,
        undefined,
        { cause: error },
      );
    }
  }
  if (!isObject(parsed)) {
    throw new InvalidTokenizerConfigError(
      `tokenizer_config.json must contain a JSON object, but it contains ${Array.isArray(parsed) ? 'an array' : typeof parsed}.`,
      undefined,
    );
  }
  return parsed;
}

/** Reads a special token, which configs store as a string or as an `AddedToken` object with `content`. */
function readTokenText(config: JsonObject, field: 'bos_token' | 'eos_token'): string {
  const value = config[field];
  if (value === undefined || value === null) {
    return '';
  }
  if (typeof value === 'string') {
    return value;
  }
  if (isObject(value) && typeof value.content === 'string') {
    return value.content;
  }
  throw new InvalidTokenizerConfigError(
    `${field} must be a string or an object with a string "content", but got ${JSON.stringify(value)}.`,
    field,
  );
}

/** Picks the template source from `chat_template`, which is a string or a list of `{ name, template }`. */
function selectTemplateSource(
  chatTemplate: unknown,
  templateName: string,
): { source: string; named: boolean } | undefined {
  if (chatTemplate === undefined || chatTemplate === null) {
    return undefined;
  }
  if (typeof chatTemplate === 'string') {
    return { source: chatTemplate, named: false };
  }
  if (!Array.isArray(chatTemplate)) {
    throw new InvalidTokenizerConfigError(
      `chat_template must be a string or a list of { name, template } objects, but got ${typeof chatTemplate}.`,
      'chat_template',
    );
  }
  if (chatTemplate.length > MAX_NAMED_TEMPLATES) {
    throw new LimitExceededError(
      'MAX_NAMED_TEMPLATES',
      MAX_NAMED_TEMPLATES,
      chatTemplate.length,
      'number of named templates in chat_template',
    );
  }

  const names: string[] = [];
  for (const [index, entry] of chatTemplate.entries()) {
    if (!isObject(entry) || typeof entry.name !== 'string' || typeof entry.template !== 'string') {
      throw new InvalidTokenizerConfigError(
        `chat_template[${index}] must be an object with string "name" and "template" fields.`,
        'chat_template',
      );
    }
    if (entry.name === templateName) {
      return { source: entry.template, named: true };
    }
    names.push(entry.name);
  }
  throw new InvalidTokenizerConfigError(
    `chat_template has no template named "${templateName}". Use one of: ${names.join(', ')}.`,
    'chat_template',
  );
}

/** Finds the id of the token whose text is `text` in `added_tokens_decoder`, which maps ids to tokens. */
function findAddedTokenId(config: JsonObject, text: string): number | undefined {
  const decoder = config.added_tokens_decoder;
  if (!isObject(decoder) || text === '') {
    return undefined;
  }
  for (const [id, token] of Object.entries(decoder)) {
    if (isObject(token) && token.content === text && /^\d+$/.test(id)) {
      return Number(id);
    }
  }
  return undefined;
}

/**
 * Creates a template from the `chat_template` of a Hugging Face `tokenizer_config.json`, with its
 * `bos_token` and `eos_token`. A leading BOS is removed from rendered prompts when `add_bos_token` is
 * true or absent (LlamaTokenizer's default), because the tokenizer adds it then. Returns `undefined`
 * when the config has no `chat_template`, so the caller can fall back to {@link builtinTemplate}.
 *
 * @param config The file's text, or the object it parses to.
 * @throws {@link InvalidTokenizerConfigError} on malformed JSON or fields.
 * @throws {@link ChatTemplateSyntaxError} when the template fails to parse.
 * @throws {@link LimitExceededError} when the config or template exceeds a named limit.
 */
export function templateFromTokenizerConfig(
  config: string | object,
  options: TokenizerConfigTemplateOptions = {},
): ChatTemplate | undefined {
  const parsed = parseConfig(config);
  const templateName = options.templateName ?? 'default';
  const selected = selectTemplateSource(parsed.chat_template, templateName);
  if (!selected) {
    return undefined;
  }

  const bosToken = readTokenText(parsed, 'bos_token');
  const eosToken = readTokenText(parsed, 'eos_token');
  const addBosToken = parsed.add_bos_token;
  if (addBosToken !== undefined && typeof addBosToken !== 'boolean') {
    throw new InvalidTokenizerConfigError(
      `add_bos_token must be true or false, but got ${JSON.stringify(addBosToken)}.`,
      'add_bos_token',
    );
  }

  const eosTokenId = findAddedTokenId(parsed, eosToken);
  // NOTE: configs without `added_tokens_decoder` do not say which id the EOS text has; LLaMA's id 2 is a
  // guess that holds for LLaMA tokenizers, and a non-standard EOS text is also matched as a stop string.
  const stop: StopConditions = options.stop ?? {
    eosTokenIds: [eosTokenId ?? LLAMA_EOS_TOKEN_ID],
    stopStrings:
      eosTokenId === undefined && eosToken !== '' && eosToken !== LLAMA_EOS_TOKEN ? [eosToken] : [],
  };

  return jinjaTemplate(selected.source, {
    name: options.name ?? (selected.named ? `tokenizer_config:${templateName}` : 'tokenizer_config'),
    bosToken,
    eosToken,
    stop,
    tokenizerAddsBos: addBosToken ?? true,
  });
}
