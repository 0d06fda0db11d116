import {
  type BuiltinTemplateName,
  builtinTemplate,
  builtinTemplateNames,
  type ChatTemplate,
  templateFromTokenizerConfig,
} from '@minichat/chat-template';
import type { LlamaConfig } from '@minichat/exl2-format';
import { CliError, ExitCode, UsageError } from '../errors.js';

/** A chosen chat template and why it was chosen, for `inspect` and log lines. */
export interface TemplateChoice {
  /** The template. */
  template: ChatTemplate;
  /**
   * `option`: named by `--template`. `tokenizer_config`: the model's own `chat_template`.
   * `config-name`: the built-in MiniChat template, because the config names a MiniChat model.
   */
  source: 'option' | 'tokenizer_config' | 'config-name';
}

/** Inputs of {@link selectChatTemplate}. */
export interface SelectChatTemplateOptions {
  /** Value of `--template`, when given. */
  requested: string | undefined;
  /** Text of the model's `tokenizer_config.json`, when it has one. */
  tokenizerConfig: string | undefined;
  /** The model's config. */
  config: LlamaConfig;
  /** Model name for messages. */
  modelName: string;
}

/** Returns whether the config names a MiniChat model, as the cgus EXL2 release's `_name_or_path` does. */
export function configNamesMiniChat(config: LlamaConfig): boolean {
  const name =
    config.nameOrPath ?? (typeof config.raw._name_or_path === 'string' ? config.raw._name_or_path : '');
  return /minichat/i.test(name);
}

/**
 * Chooses the chat template: `--template NAME` when given, else the model's own `chat_template`,
 * else the built-in MiniChat template for a config that names MiniChat. Anything else raises an
 * error that lists the built-in templates.
 */
export function selectChatTemplate(options: SelectChatTemplateOptions): TemplateChoice {
  const choices = builtinTemplateNames.join(', ');
  if (options.requested !== undefined) {
    if (!(builtinTemplateNames as readonly string[]).includes(options.requested)) {
      throw new UsageError(`Unknown chat template '${options.requested}'. Built-in templates: ${choices}.`);
    }
    return { template: builtinTemplate(options.requested as BuiltinTemplateName), source: 'option' };
  }

  if (options.tokenizerConfig !== undefined) {
    const own = templateFromTokenizerConfig(options.tokenizerConfig);
    if (own !== undefined) return { template: own, source: 'tokenizer_config' };
  }

  if (configNamesMiniChat(options.config)) {
    return { template: builtinTemplate('minichat'), source: 'config-name' };
  }

  throw new CliError(
    `Model ${options.modelName} has no chat_template in tokenizer_config.json, and its config does not name a ` +
      `model with a built-in template. Pass --template NAME with one of the built-in templates: ${choices}. ` +
      'For a base model without a chat format, use minichat generate --raw.',
    ExitCode.invalidInput,
  );
}
