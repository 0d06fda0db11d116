import type { LayerSummary } from '@minichat/exl2-format';
import type { CommandSpec } from '../args/command.js';
import { flagOption, stringOption } from '../args/options.js';
import { describeModel, type ModelDescription } from '../model/describe.js';
import { openModelArgument } from '../model/open.js';
import { formatBytes } from '../progress.js';
import { hubOptions, readHubSettings } from './shared-options.js';

/** Formats bits per weight with two decimals. */
function bits(value: number | undefined): string {
  return value === undefined ? 'n/a' : value.toFixed(2);
}

/** Formats `{8: 96, 4: 2976}` as `8-bit 96 rows, 4-bit 2976 rows`. */
function formatRowsPerBits(rowsPerBits: Record<number, number>): string {
  return Object.entries(rowsPerBits)
    .sort(([a], [b]) => Number(b) - Number(a))
    .map(([width, rows]) => `${width}-bit ${rows}`)
    .join(', ');
}

/** Formats a parameter count as `3.02 B`, `260 K` or `15.2 M`. */
function formatCount(count: number): string {
  if (count >= 1e9) return `${(count / 1e9).toFixed(2)} B`;
  if (count >= 1e6) return `${(count / 1e6).toFixed(1)} M`;
  return `${(count / 1e3).toFixed(1)} K`;
}

/** Renders one layer line of the text report. */
function layerLine(layer: LayerSummary, nameWidth: number): string {
  const shape = `${layer.shape[0]}x${layer.shape[1]}`;
  return `  ${layer.prefix.padEnd(nameWidth)}  ${layer.kind.padEnd(5)}  ${shape.padEnd(11)}  ${bits(layer.bitsPerWeight)} bpw  ${formatBytes(layer.bytes).padStart(9)}  rows: ${formatRowsPerBits(layer.rowsPerBits)}`;
}

/** Renders the human-readable report. */
export function renderModelReport(description: ModelDescription): string {
  const { config, summary } = description;
  const lines = [
    `Model: ${description.model} (${summary.format === 'exl2' ? 'EXL2' : 'unquantized'})`,
    `Source: ${description.source}`,
    `Architecture: ${config.architecture}, ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, FFN ${config.intermediateSize}, ` +
      `${config.numAttentionHeads} heads (${config.numKeyValueHeads} KV heads), head dim ${config.headDim}`,
    `Vocabulary: ${config.vocabSize} tokens, context ${config.maxPositionEmbeddings}, RoPE theta ${config.ropeTheta}, ` +
      `RMSNorm eps ${config.rmsNormEps}, tied embeddings: ${config.tieWordEmbeddings ? 'yes' : 'no'}`,
    `Parameters: ${formatCount(summary.parameterCount)}`,
    `Bits per weight: ${bits(summary.bitsPerWeight)} stored (${bits(summary.codeBits)} code bits) over the decoder layers; ` +
      `head: ${summary.headBits === undefined ? 'tied or absent' : `${bits(summary.headBits)} code bits`}`,
    `Tensors: ${summary.tensorCount}, ${formatBytes(summary.tensorBytes)} (EXL2 ${formatBytes(summary.quantizedBytes)}, ` +
      `unquantized ${formatBytes(summary.denseBytes)})`,
    'Files:',
    ...description.files.map((file) => `  ${file.name.padEnd(28)} ${formatBytes(file.size).padStart(9)}`),
  ];
  const { tokenizer } = description;
  lines.push(
    tokenizer === undefined
      ? 'Tokenizer: none found (expected tokenizer.model, tokenizer.json or a llama2.c tokenizer .bin)'
      : `Tokenizer: ${tokenizer.file} (${tokenizer.kind}), ${tokenizer.vocabSize} pieces, BOS ${tokenizer.bosId}, ` +
          `EOS ${tokenizer.eosId}, adds BOS: ${tokenizer.addBos ? 'yes' : 'no'}`,
  );
  const { chatTemplate } = description;
  lines.push(
    chatTemplate.name === undefined
      ? `Chat template: none (${chatTemplate.detail})`
      : `Chat template: ${chatTemplate.name} (${chatTemplate.detail})`,
  );
  const nameWidth = Math.max(...summary.layers.map((layer) => layer.prefix.length), 5);
  lines.push(
    `Layers (${summary.layers.length}):`,
    ...summary.layers.map((layer) => layerLine(layer, nameWidth)),
  );
  for (const warning of description.warnings) lines.push(`Warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

/** `minichat inspect`: prints what a model is made of. */
export const inspectCommand: CommandSpec = {
  name: 'inspect',
  summary: 'Show architecture, bits per weight, files, tokenizer and chat template of a model',
  usage: ['inspect MODEL [--json]'],
  description:
    'Reads the config and tensor headers of a model (no weights) and prints its architecture, shapes, bits ' +
    'per weight per layer and overall, head bits, file sizes, tokenizer facts and chat template. MODEL is a ' +
    'directory, a hub repo id (owner/name[@branch]; read with range requests when not cached) or a URL.',
  options: {
    json: {
      type: 'boolean',
      description: 'Print the report as JSON, including bitsPerWeight overall and per layer.',
    },
    template: {
      type: 'string',
      valueName: 'NAME',
      description: 'Report this built-in chat template instead of the one the model selects.',
    },
    ...hubOptions,
  },
  positionals: { min: 1, max: 1 },
  examples: ['inspect ./stories260K-exl2', 'inspect cgus/MiniChat-2-3B-exl2@5bpw-h8 --json'],
  async run(args, context) {
    const argument = args.positionals[0] ?? '';
    const opened = await openModelArgument(argument, context.io, {
      hub: readHubSettings(args, context.io),
      access: 'remote',
      log: context.log,
      signal: context.signal,
    });
    try {
      const description = await describeModel(opened, stringOption(args, 'template'), context.signal);
      context.io.stdout.write(
        flagOption(args, 'json')
          ? `${JSON.stringify(description, null, 2)}\n`
          : renderModelReport(description),
      );
    } finally {
      await opened.reader.close();
    }
    return 0;
  },
};
