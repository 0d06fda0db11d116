import type { ModelReader } from '@minichat/exl2-format';
import { loadLlama2cTokenizer, loadSentencePieceModel, type Tokenizer } from '@minichat/tokenizer';
import { UnsupportedModelError } from '../errors.js';

/**
 * Loads the tokenizer that sits beside the model: `tokenizer.model` (SentencePiece) first, then a
 * llama2.c `tokenizer.bin`. `add_bos_token` and `add_eos_token` come from `tokenizer_config.json` when it
 * sets them.
 *
 * @throws {@link UnsupportedModelError} when neither file exists
 */
export async function loadTokenizerFromSource(source: ModelReader, signal?: AbortSignal): Promise<Tokenizer> {
  const files = await source.readTokenizerFiles(signal);
  const config = parseTokenizerConfig(files.tokenizerConfig);
  const options = {
    ...(typeof config.add_bos_token === 'boolean' ? { addBosToken: config.add_bos_token } : {}),
    ...(typeof config.add_eos_token === 'boolean' ? { addEosToken: config.add_eos_token } : {}),
  };
  if (files.tokenizerModel !== undefined) return loadSentencePieceModel(files.tokenizerModel, options);
  if (files.llama2cTokenizer !== undefined) return loadLlama2cTokenizer(files.llama2cTokenizer, options);
  throw new UnsupportedModelError(
    'tokenizer files',
    files.tokenizerJson !== undefined ? 'tokenizer.json only' : 'none',
    'The runtime loads tokenizer.model or a llama2.c tokenizer.bin. Load the tokenizer yourself and ' +
      'pass it as the tokenizer option.',
  );
}

function parseTokenizerConfig(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    // NOTE: a broken tokenizer_config.json only loses its BOS/EOS flags; the tokenizer defaults apply.
    return {};
  }
}
