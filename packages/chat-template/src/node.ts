import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type BuiltinTemplateName, builtinTemplate } from './builtin-template.js';
import { LimitExceededError, TemplateFileError } from './errors.js';
import { MAX_TOKENIZER_CONFIG_BYTES } from './limits.js';
import { type TokenizerConfigTemplateOptions, templateFromTokenizerConfig } from './tokenizer-config.js';
import type { ChatTemplate } from './types.js';

export { LimitExceededError, TemplateFileError } from './errors.js';
export { MAX_TOKENIZER_CONFIG_BYTES } from './limits.js';

/** Options of {@link loadChatTemplate}. */
export interface LoadChatTemplateOptions extends TokenizerConfigTemplateOptions {
  /**
   * Built-in template to return when the directory has no `tokenizer_config.json` or the file has no
   * `chat_template`, as MiniChat's EXL2 release does (use `'minichat'` there). Default: none, so the
   * function returns `undefined` in that case.
   */
  fallback?: BuiltinTemplateName;
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Loads the chat template of a model directory from its `tokenizer_config.json`, falling back to a
 * built-in template when asked.
 *
 * @throws {@link TemplateFileError} when the directory does not exist or the file cannot be read.
 * @throws {@link LimitExceededError} when the file is larger than {@link MAX_TOKENIZER_CONFIG_BYTES}.
 * @throws the errors of {@link templateFromTokenizerConfig} for a malformed file.
 */
export async function loadChatTemplate(
  modelDirectory: string,
  options: LoadChatTemplateOptions = {},
): Promise<ChatTemplate | undefined> {
  const { fallback, ...configOptions } = options;
  const useFallback = () => (fallback === undefined ? undefined : builtinTemplate(fallback));

  const directoryStats = await stat(modelDirectory).catch((error: unknown) => {
    throw new TemplateFileError(
      `Cannot read model directory ${modelDirectory} (${errorCode(error) ?? String(error)}). Check the path.`,
      modelDirectory,
      { cause: error },
    );
  });
  if (!directoryStats.isDirectory()) {
    throw new TemplateFileError(
      `${modelDirectory} is not a directory. Pass the model's directory.`,
      modelDirectory,
    );
  }

  const path = join(modelDirectory, 'tokenizer_config.json');
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return useFallback();
    }
    throw new TemplateFileError(`Cannot read ${path} (${errorCode(error) ?? String(error)}).`, path, {
      cause: error,
    });
  }
  if (size > MAX_TOKENIZER_CONFIG_BYTES) {
    throw new LimitExceededError(
      'MAX_TOKENIZER_CONFIG_BYTES',
      MAX_TOKENIZER_CONFIG_BYTES,
      size,
      `size of ${path} in bytes`,
    );
  }

  const text = await readFile(path, 'utf8').catch((error: unknown) => {
    throw new TemplateFileError(`Cannot read ${path} (${errorCode(error) ?? String(error)}).`, path, {
      cause: error,
    });
  });
  return templateFromTokenizerConfig(text, configOptions) ?? useFallback();
}
