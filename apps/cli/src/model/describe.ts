import { ChatTemplateError } from '@minichat/chat-template';
import type { LlamaConfig, ModelSummary } from '@minichat/exl2-format';
import { CliError, UsageError } from '../errors.js';
import type { ModelLocation } from './locate.js';
import type { OpenedModel } from './open.js';
import { selectChatTemplate } from './template.js';
import { loadModelTokenizer } from './tokenizer.js';

/** Tokenizer facts in a {@link ModelDescription}. */
export interface TokenizerDescription {
  /** File the tokenizer was loaded from. */
  file: string;
  /** Format of that file. */
  kind: 'sentencepiece' | 'tokenizer.json' | 'llama2.c';
  /** Number of pieces. */
  vocabSize: number;
  /** Id of the beginning-of-sequence token. */
  bosId: number;
  /** Id of the end-of-sequence token. */
  eosId: number;
  /** Whether encoding adds BOS (from `tokenizer_config.json`, default true for LLaMA). */
  addBos: boolean;
}

/** Report of `minichat inspect`; `--json` prints this object. */
export interface ModelDescription {
  /** The model argument as given. */
  model: string;
  /** Directory path or URL the files were read from. */
  source: string;
  /** Resolved location of the argument. */
  location: ModelLocation;
  /** The validated config, with `raw` left out. */
  config: Omit<LlamaConfig, 'raw'>;
  /** Format, bits per weight overall and per layer, head bits and sizes. */
  summary: ModelSummary;
  /** Stored bits per weight over the decoder layers (same as `summary.bitsPerWeight`). */
  bitsPerWeight: number;
  /** Files of the model with their sizes in bytes. */
  files: { name: string; size: number }[];
  /** Tokenizer facts, or undefined when the model has no tokenizer file. */
  tokenizer: TokenizerDescription | undefined;
  /** Chat template the model gets by default (or with `--template`), and why. */
  chatTemplate: { name: string | undefined; source: string | undefined; detail: string };
  /** Non-fatal findings of the reader. */
  warnings: readonly string[];
}

/** Explains a template choice in words. */
const SOURCE_DETAIL: Record<string, string> = {
  option: 'chosen with --template',
  tokenizer_config: "the model's own chat_template from tokenizer_config.json",
  'config-name': 'built-in, because config.json names a MiniChat model',
};

/** Gathers everything `inspect` reports about an opened model. Reads headers and tokenizer files only. */
export async function describeModel(
  opened: OpenedModel,
  requestedTemplate: string | undefined,
  signal: AbortSignal,
): Promise<ModelDescription> {
  const { reader } = opened;
  const { raw: _raw, ...config } = reader.config;
  const summary = reader.summary();

  const files: { name: string; size: number }[] = [];
  for (const name of opened.files.list()) {
    if (name.startsWith('.')) continue;
    files.push({ name, size: (await opened.files.open(name, signal)).size });
  }

  const tokenizerFiles = await reader.readTokenizerFiles(signal);
  const loaded = loadModelTokenizer(tokenizerFiles);
  const tokenizer: TokenizerDescription | undefined =
    loaded === undefined
      ? undefined
      : {
          file: loaded.file,
          kind: loaded.kind,
          vocabSize: loaded.tokenizer.vocabSize,
          bosId: loaded.tokenizer.bosId,
          eosId: loaded.tokenizer.eosId,
          addBos: loaded.tokenizer.addBosToken,
        };

  let chatTemplate: ModelDescription['chatTemplate'];
  try {
    const choice = selectChatTemplate({
      requested: requestedTemplate,
      tokenizerConfig: tokenizerFiles.tokenizerConfig,
      config: reader.config,
      modelName: opened.argument,
    });
    chatTemplate = {
      name: choice.template.name,
      source: choice.source,
      detail: SOURCE_DETAIL[choice.source] ?? '',
    };
  } catch (error) {
    // A model without a usable template is still worth inspecting; report why instead of failing.
    const reportable =
      (error instanceof CliError && !(error instanceof UsageError)) || error instanceof ChatTemplateError;
    if (!reportable) throw error;
    chatTemplate = { name: undefined, source: undefined, detail: error.message };
  }

  return {
    model: opened.argument,
    source: opened.files.location,
    location: opened.location,
    config,
    summary,
    bitsPerWeight: summary.bitsPerWeight,
    files,
    tokenizer,
    chatTemplate,
    warnings: reader.warnings,
  };
}
