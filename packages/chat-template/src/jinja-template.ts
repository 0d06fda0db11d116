import { Template } from '@huggingface/jinja';
import { LLAMA_EOS_TOKEN_ID, resolveRenderOptions } from './builtin/defaults.js';
import {
  type AttributedSpan,
  attributeOutput,
  pickSentinelDelimiters,
  sentinelFor,
  splitAtSentinels,
} from './content-attribution.js';
import { validateConversation } from './conversation.js';
import {
  ChatTemplateRenderError,
  ChatTemplateSyntaxError,
  ContentAttributionError,
  InvalidOptionError,
  LimitExceededError,
} from './errors.js';
import { MAX_TEMPLATE_SOURCE_CHARS } from './limits.js';
import { PromptBuilder } from './prompt-builder.js';
import { locateRaiseException, locateSyntaxError } from './template-position.js';
import type { ChatMessage, ChatTemplate, RenderedPrompt, RenderOptions, StopConditions } from './types.js';

/** Options of {@link jinjaTemplate}. */
export interface JinjaTemplateOptions {
  /** Template name used in errors and {@link ChatTemplate.name}. Default `'jinja'`. */
  name?: string;
  /** Text of the BOS token, passed to the template as `bos_token`. */
  bosToken: string;
  /** Text of the EOS token, passed to the template as `eos_token`. */
  eosToken: string;
  /** When generation ends. Default: EOS id 2 (LLaMA's) and no stop strings. */
  stop?: StopConditions;
  /**
   * Whether the tokenizer adds BOS itself (`add_bos_token: true`, as LLaMA tokenizers do). When it does,
   * a `bos_token` at the very start of the output is removed so that the prompt does not get two.
   * Default `true`.
   */
  tokenizerAddsBos?: boolean;
}

/**
 * Name under which `raise_exception` is passed to templates. `@huggingface/jinja` 0.5.13 defines its
 * own `raise_exception` that cannot be replaced, so calls in the parsed template are renamed to this,
 * which lets this package tell the template's own errors from failures of the engine.
 */
const RAISE_FUNCTION_NAME = '__minichat_raise_exception';

/** Template variables other than `messages`. */
interface RenderContext {
  bosToken: string;
  eosToken: string;
  addGenerationPrompt: boolean;
}

/** Renders the parsed template for a conversation with the given content per message. */
type RenderFunction = (
  conversation: readonly ChatMessage[],
  contents: readonly string[],
  context: RenderContext,
) => string;

/** The error thrown by the template's renamed `raise_exception`. */
class TemplateRaisedError extends Error {}

/** Renames every call of `raise_exception` in a parsed template, skipping `x.raise_exception` members. */
function renameRaiseException(node: unknown): void {
  if (typeof node !== 'object' || node === null) {
    return;
  }
  const record = node as Record<string, unknown>;
  if (record.type === 'Identifier' && record.value === 'raise_exception') {
    record.value = RAISE_FUNCTION_NAME;
    return;
  }
  for (const [key, child] of Object.entries(record)) {
    const isMemberName =
      record.type === 'MemberExpression' && key === 'property' && record.computed === false;
    if (!isMemberName) {
      renameRaiseException(child);
    }
  }
}

/**
 * Creates a template from Hugging Face `chat_template` Jinja source, rendered with
 * `@huggingface/jinja`. The template receives `messages`, `bos_token`, `eos_token`, `add_generation_prompt`
 * and `raise_exception`. Message content becomes parts with `allowSpecial: false`. The template may
 * trim whitespace from content. A template that changes content in any other way fails to render
 * unless the caller sets `allowSpecialInContent`.
 *
 * @throws {@link ChatTemplateSyntaxError} with the position when the source fails to parse.
 * @throws {@link LimitExceededError} when the source is longer than {@link MAX_TEMPLATE_SOURCE_CHARS}.
 * @throws {@link InvalidOptionError} when the source or a token text is not a string.
 */
export function jinjaTemplate(source: string, options: JinjaTemplateOptions): ChatTemplate {
  const name = options.name ?? 'jinja';
  const stop = options.stop ?? { eosTokenIds: [LLAMA_EOS_TOKEN_ID], stopStrings: [] };
  const tokenizerAddsBos = options.tokenizerAddsBos ?? true;

  if (typeof source !== 'string') {
    throw new InvalidOptionError('template source', typeof source, 'Jinja source as a string');
  }
  for (const field of ['bosToken', 'eosToken'] as const) {
    if (typeof options[field] !== 'string') {
      throw new InvalidOptionError(
        field,
        options[field],
        'the token text as a string, such as "<s>" or "</s>"',
      );
    }
  }
  if (source.length > MAX_TEMPLATE_SOURCE_CHARS) {
    throw new LimitExceededError(
      'MAX_TEMPLATE_SOURCE_CHARS',
      MAX_TEMPLATE_SOURCE_CHARS,
      source.length,
      `length of chat template "${name}" in characters`,
    );
  }

  let template: Template;
  try {
    template = new Template(source);
  } catch (error) {
    const located = locateSyntaxError(source, error);
    throw new ChatTemplateSyntaxError(name, located.message, located.position, { cause: error });
  }
  renameRaiseException(template.parsed);

  const renderTemplate: RenderFunction = (conversation, contents, context) => {
    const raise = (message: unknown) => {
      throw new TemplateRaisedError(String(message));
    };
    // NOTE: @huggingface/jinja 0.5.13 has no step or output limit, so an untrusted template can loop
    // without bound here. Render such templates in a worker that the caller can terminate.
    try {
      return template.render({
        messages: conversation.map((message, index) => ({ role: message.role, content: contents[index] })),
        bos_token: context.bosToken,
        eos_token: context.eosToken,
        add_generation_prompt: context.addGenerationPrompt,
        [RAISE_FUNCTION_NAME]: raise,
      });
    } catch (error) {
      if (error instanceof TemplateRaisedError) {
        const position = locateRaiseException(source, error.message);
        throw new ChatTemplateRenderError(name, error.message, true, position, { cause: error });
      }
      const message = error instanceof Error ? error.message : String(error);
      throw new ChatTemplateRenderError(name, message, false, undefined, { cause: error });
    }
  };

  const render = (messages: readonly ChatMessage[], renderOptions?: RenderOptions): RenderedPrompt => {
    const resolved = resolveRenderOptions(renderOptions, options);
    validateConversation(messages);

    const hasSystemMessage = messages.some((message) => message.role === 'system');
    const conversation: readonly ChatMessage[] =
      !hasSystemMessage && resolved.systemPrompt !== undefined
        ? [{ role: 'system', content: resolved.systemPrompt }, ...messages]
        : messages;
    const contents = conversation.map((message) => message.content);
    const context: RenderContext = {
      bosToken: resolved.bosToken,
      eosToken: resolved.eosToken,
      addGenerationPrompt: resolved.addGenerationPrompt,
    };

    const output = renderTemplate(conversation, contents, context);
    const builder = new PromptBuilder(resolved.allowSpecialInContent);
    if (resolved.allowSpecialInContent) {
      builder.markup(output);
    } else {
      for (const span of traceContent(
        name,
        source,
        renderTemplate,
        conversation,
        contents,
        context,
        output,
      )) {
        if (span.isContent) {
          builder.content(span.text);
        } else {
          builder.markup(span.text);
        }
      }
    }
    return removeLeadingBos(builder.build(), tokenizerAddsBos ? resolved.bosToken : '');
  };

  return { name, render, stop };
}

/**
 * Finds which spans of `output` came from message content by rendering again with sentinels.
 *
 * @throws {@link ContentAttributionError} when the template changes content beyond trimming.
 */
function traceContent(
  name: string,
  source: string,
  renderTemplate: RenderFunction,
  conversation: readonly ChatMessage[],
  contents: readonly string[],
  context: RenderContext,
  output: string,
): AttributedSpan[] {
  const delimiters = pickSentinelDelimiters([source, context.bosToken, context.eosToken, ...contents]);
  if (!delimiters) {
    throw new ContentAttributionError(
      name,
      'the inputs use every private-use code point, so no placeholder is free',
    );
  }

  let sentinelOutput: string;
  try {
    const sentinels = contents.map((_, index) => sentinelFor(delimiters, index));
    sentinelOutput = renderTemplate(conversation, sentinels, context);
  } catch (error) {
    if (!(error instanceof ChatTemplateRenderError)) {
      throw error;
    }
    throw new ContentAttributionError(
      name,
      `the template fails when message content is replaced by placeholders (${error.templateMessage}), so it inspects the content`,
    );
  }

  const segments = splitAtSentinels(sentinelOutput, delimiters, contents.length);
  if (typeof segments === 'string') {
    throw new ContentAttributionError(name, segments);
  }
  const spans = attributeOutput(segments, contents, output);
  if (!spans) {
    throw new ContentAttributionError(
      name,
      'its output does not match the placeholder rendering with each content as given or with whitespace trimmed',
    );
  }
  return spans;
}

/** Removes one leading `bosToken` from the first part when that part is markup. */
function removeLeadingBos(prompt: RenderedPrompt, bosToken: string): RenderedPrompt {
  const first = prompt.parts[0];
  if (bosToken === '' || !first || !first.allowSpecial || !first.text.startsWith(bosToken)) {
    return prompt;
  }
  const rest = first.text.slice(bosToken.length);
  const parts =
    rest === '' ? prompt.parts.slice(1) : [{ text: rest, allowSpecial: true }, ...prompt.parts.slice(1)];
  return { text: prompt.text.slice(bosToken.length), parts };
}
