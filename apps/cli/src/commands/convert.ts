import { resolve } from 'node:path';
import { convertHf, convertLlama2c } from '@minichat/exl2-format/node';
import type { CommandSpec } from '../args/command.js';
import {
  choiceOption,
  numberOption,
  type ParsedArgs,
  requiredStringOption,
  stringOption,
} from '../args/options.js';
import { UsageError } from '../errors.js';
import { formatBytes, formatSeconds } from '../progress.js';

/** Source formats `convert` reads. */
const SOURCE_FORMATS = ['llama2c', 'hf'] as const;
/** Output formats per source: llama2.c checkpoints are fp32, so they can stay fp32. */
const OUTPUT_FORMATS = { llama2c: ['f32', 'f16', 'exl2'], hf: ['f16', 'exl2'] } as const;
/** Head bit widths the EXL2 converter offers (exllamav2's "h6" and "h8"). */
const HEAD_BITS = ['6', '8'] as const;
/** Smallest and largest average bits per weight an EXL2 plan can reach (2-bit to 8-bit codes plus scales). */
const MIN_BITS = 2;
const MAX_BITS = 8.5;

/** EXL2 settings from `--bits` and `--head-bits`, rejected for non-EXL2 output. */
function readExl2Settings(args: ParsedArgs, format: string): { bits?: number; headBits?: number } {
  const bits = numberOption(args, 'bits', { min: MIN_BITS, max: MAX_BITS });
  const headBits = choiceOption(args, 'head-bits', HEAD_BITS);
  if (format !== 'exl2' && (bits !== undefined || headBits !== undefined)) {
    throw new UsageError(`--bits and --head-bits apply only to --format exl2, not ${format}.`, args.command);
  }
  return {
    ...(bits === undefined ? {} : { bits }),
    ...(headBits === undefined ? {} : { headBits: Number(headBits) }),
  };
}

/** `minichat convert`: llama2.c checkpoints and HF safetensors to EXL2, fp16 or fp32 model directories. */
export const convertCommand: CommandSpec = {
  name: 'convert',
  summary: 'Convert llama2.c checkpoints or HF safetensors models to EXL2, fp16 or fp32',
  usage: [
    'convert --from llama2c --checkpoint FILE --tokenizer FILE --out DIR [--format f32|f16|exl2] [--bits B]',
    'convert --from hf --input DIR --out DIR [--format f16|exl2] [--bits B] [--head-bits H]',
  ],
  description:
    'Writes a Hugging Face style model directory (config.json, safetensors weights, tokenizer files) that ' +
    'every minichat command reads. EXL2 output is quantized with round-to-nearest codes to about --bits bits ' +
    'per weight, with an 8-bit (or 6-bit) head, in the exllamav2 0.0.11 layout. Prints the output directory.',
  options: {
    from: { type: 'string', valueName: 'FORMAT', description: 'Source format: llama2c or hf.' },
    checkpoint: {
      type: 'string',
      valueName: 'FILE',
      description: 'llama2.c checkpoint .bin (legacy version 0 format).',
    },
    tokenizer: {
      type: 'string',
      valueName: 'FILE',
      description: 'llama2.c tokenizer .bin, written as tokenizer.model.',
    },
    input: {
      type: 'string',
      valueName: 'DIR',
      description: 'HF model directory with config.json and *.safetensors.',
    },
    out: {
      type: 'string',
      short: 'o',
      valueName: 'DIR',
      description: 'Output directory, created if missing.',
    },
    format: {
      type: 'string',
      valueName: 'F',
      description: 'Weight storage: f32 (llama2c only), f16 or exl2.',
      defaultText: 'f32 for llama2c, exl2 for hf',
    },
    bits: {
      type: 'string',
      valueName: 'B',
      description: `EXL2 target bits per weight of the decoder layers, ${MIN_BITS} to ${MAX_BITS}.`,
      defaultText: '4.0',
    },
    'head-bits': {
      type: 'string',
      valueName: 'H',
      description: 'EXL2 bits of lm_head: 6 or 8.',
      defaultText: '8',
    },
  },
  examples: [
    'convert --from llama2c --checkpoint stories260K.bin --tokenizer tok512.bin --out ./stories260K',
    'convert --from llama2c --checkpoint stories260K.bin --tokenizer tok512.bin --out ./stories-exl2 --format exl2 --bits 8',
    'convert --from hf --input ./MiniChat-2-3B --out ./MiniChat-2-3B-exl2 --bits 4.0 --head-bits 8',
  ],
  async run(args, context) {
    const source = choiceOption(args, 'from', SOURCE_FORMATS);
    if (source === undefined)
      throw new UsageError('Missing required option --from (llama2c or hf).', args.command);
    const outDir = resolve(context.io.cwd, requiredStringOption(args, 'out'));
    const format =
      choiceOption(args, 'format', OUTPUT_FORMATS[source]) ?? (source === 'llama2c' ? 'f32' : 'exl2');
    const exl2 = readExl2Settings(args, format);
    const started = performance.now();

    let result: { outDir: string; files: string[]; weightBytes: number };
    if (source === 'llama2c') {
      if (stringOption(args, 'input') !== undefined) {
        throw new UsageError(
          '--input is for --from hf; llama2c takes --checkpoint and --tokenizer.',
          args.command,
        );
      }
      const checkpoint = resolve(context.io.cwd, requiredStringOption(args, 'checkpoint'));
      const tokenizer = resolve(context.io.cwd, requiredStringOption(args, 'tokenizer'));
      context.log.info(`Converting llama2.c checkpoint ${checkpoint} to ${format} in ${outDir}`);
      result = await convertLlama2c({
        checkpoint,
        tokenizer,
        outDir,
        format,
        ...exl2,
        signal: context.signal,
      });
    } else {
      if (stringOption(args, 'checkpoint') !== undefined || stringOption(args, 'tokenizer') !== undefined) {
        throw new UsageError(
          '--checkpoint and --tokenizer are for --from llama2c; hf takes --input.',
          args.command,
        );
      }
      const input = resolve(context.io.cwd, requiredStringOption(args, 'input'));
      context.log.info(`Converting HF model ${input} to ${format} in ${outDir}`);
      const bar = context.log.progress({ label: 'Tensors', total: undefined, unit: 'items' });
      try {
        result = await convertHf({
          input,
          outDir,
          format,
          ...exl2,
          onProgress: (event) => bar.update(event.index + 1, event.count),
          signal: context.signal,
        });
      } catch (error) {
        bar.clear();
        throw error;
      }
      bar.finish();
    }

    const seconds = (performance.now() - started) / 1000;
    context.log.info(
      `Wrote ${result.files.join(', ')} (weights ${formatBytes(result.weightBytes)}) in ${formatSeconds(seconds)}.`,
    );
    context.io.stdout.write(`${result.outDir}\n`);
    return 0;
  },
};
