/** A place in a template's source. */
export interface TemplatePosition {
  /** Index into the source string, in UTF-16 code units, starting at 0. */
  offset: number;
  /** Line number, starting at 1. */
  line: number;
  /** Column in UTF-16 code units, starting at 1. */
  column: number;
}

function withoutFinalPeriod(text: string): string {
  return text.endsWith('.') ? text.slice(0, -1) : text;
}

/** Base class of every error this package throws. */
export class ChatTemplateError extends Error {
  /** Always `'ChatTemplateError'`. */
  override name = 'ChatTemplateError';
}

/** A built-in template name that does not exist. */
export class UnknownTemplateError extends ChatTemplateError {
  /** Always `'UnknownTemplateError'`. */
  override name = 'UnknownTemplateError';

  constructor(
    /** The name that was requested. */
    readonly requested: string,
    /** The names that exist. */
    readonly choices: readonly string[],
  ) {
    super(`Unknown chat template "${requested}". Use one of: ${choices.join(', ')}.`);
  }
}

/** A conversation that a template cannot render. */
export class InvalidConversationError extends ChatTemplateError {
  /** Always `'InvalidConversationError'`. */
  override name = 'InvalidConversationError';

  constructor(
    message: string,
    /** Index of the offending message, or `undefined` when the whole conversation is at fault. */
    readonly index: number | undefined,
  ) {
    super(message);
  }
}

/** A Jinja template that failed to parse. */
export class ChatTemplateSyntaxError extends ChatTemplateError {
  /** Always `'ChatTemplateSyntaxError'`. */
  override name = 'ChatTemplateSyntaxError';

  constructor(
    /** Name of the template. */
    readonly templateName: string,
    /** The parser's own message. */
    readonly templateMessage: string,
    /** Position at which parsing failed. */
    readonly position: TemplatePosition,
    options?: ErrorOptions,
  ) {
    super(
      `Chat template "${templateName}" failed to parse at line ${position.line}, column ${position.column}: ` +
        `${withoutFinalPeriod(templateMessage)}. Fix the template source or pick another template.`,
      options,
    );
  }
}

/** A Jinja template that failed while rendering, including a call to `raise_exception`. */
export class ChatTemplateRenderError extends ChatTemplateError {
  /** Always `'ChatTemplateRenderError'`. */
  override name = 'ChatTemplateRenderError';

  constructor(
    /** Name of the template. */
    readonly templateName: string,
    /** The template's own message, such as the text passed to `raise_exception`. */
    readonly templateMessage: string,
    /** Whether the template itself raised the error through `raise_exception`. */
    readonly raisedByTemplate: boolean,
    /** Position in the source of the failing call, or `undefined` when it could not be located. */
    readonly position: TemplatePosition | undefined,
    options?: ErrorOptions,
  ) {
    const where = position ? ` at line ${position.line}, column ${position.column}` : '';
    const advice = raisedByTemplate
      ? 'The template rejected this conversation: change the conversation to satisfy it.'
      : 'Check the conversation and the template source.';
    super(
      `Chat template "${templateName}" ${raisedByTemplate ? 'raised an exception' : 'failed to render'}${where}: ` +
        `${withoutFinalPeriod(templateMessage)}. ${advice}`,
      options,
    );
  }
}

/**
 * A Jinja template output in which message content cannot be separated from markup, for example
 * because the template changes content in a way other than trimming whitespace.
 */
export class ContentAttributionError extends ChatTemplateError {
  /** Always `'ContentAttributionError'`. */
  override name = 'ContentAttributionError';

  constructor(
    /** Name of the template. */
    readonly templateName: string,
    /** Description of the change the template made. */
    readonly reason: string,
  ) {
    super(
      `Chat template "${templateName}" changes message content so that it cannot be kept apart from markup: ` +
        `${reason}. Render with allowSpecialInContent: true if the content is trusted, or use another template.`,
    );
  }
}

/** A malformed `tokenizer_config.json`. */
export class InvalidTokenizerConfigError extends ChatTemplateError {
  /** Always `'InvalidTokenizerConfigError'`. */
  override name = 'InvalidTokenizerConfigError';

  constructor(
    message: string,
    /** The config field at fault, such as `chat_template`. */
    readonly field: string | undefined,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A model file that could not be read. */
export class TemplateFileError extends ChatTemplateError {
  /** Always `'TemplateFileError'`. */
  override name = 'TemplateFileError';

  constructor(
    message: string,
    /** Path of the file or directory. */
    readonly path: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** An input larger than one of this package's named limits. */
export class LimitExceededError extends ChatTemplateError {
  /** Always `'LimitExceededError'`. */
  override name = 'LimitExceededError';

  constructor(
    /** Name of the limit constant, such as `MAX_TEMPLATE_SOURCE_CHARS`. */
    readonly limitName: string,
    /** The limit. */
    readonly limit: number,
    /** The size found. */
    readonly actual: number,
    /** Description of the measured size, such as `length of tokenizer_config.json in characters`. */
    readonly what: string,
  ) {
    super(`The ${what} is ${actual}, above ${limitName} (${limit}). Use a smaller input.`);
  }
}

/** A function argument or option with a value outside its valid range. */
export class InvalidOptionError extends ChatTemplateError {
  /** Always `'InvalidOptionError'`. */
  override name = 'InvalidOptionError';

  constructor(
    /** Name of the argument or option. */
    readonly option: string,
    /** The value given. */
    readonly value: unknown,
    /** Description of a valid value. */
    readonly expected: string,
  ) {
    super(`Invalid ${option}: ${String(value)}. Expected ${expected}.`);
  }
}

/** A conversation whose newest message alone, with the system prompt, does not fit a token budget. */
export class ContextBudgetError extends ChatTemplateError {
  /** Always `'ContextBudgetError'`. */
  override name = 'ContextBudgetError';

  constructor(
    /** The token budget. */
    readonly budget: number,
    /** Tokens that the smallest conversation still needs. */
    readonly required: number,
  ) {
    super(
      `The conversation needs ${required} tokens even with only the system prompt and the newest turn, ` +
        `but the budget is ${budget}. Shorten the newest message or the system prompt, or raise the budget.`,
    );
  }
}
