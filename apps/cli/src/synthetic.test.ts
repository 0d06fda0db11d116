import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSyntheticModel } from '@minichat/exl2-format/node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runCliProcess } from './test-utils/run-cli.js';
import { FIXTURES } from './test-utils/stories260k.js';

const LLAMA2_TOKENIZER = join(FIXTURES, 'tokenizers/llama2-tokenizer.model');
/** Set to 1 to also run the full-size MiniChat-shaped model (about 1.8 GB; minutes to write and load). */
const FULL_SIZE = process.env.MINICHAT_FULL_SIZE === '1';
/** Directory for the full-size model; a model already there is reused. Default: a temporary directory. */
const FULL_SIZE_DIR = process.env.MINICHAT_FULL_SIZE_DIR;

let workDirectory: string;
let smallModel: string;

beforeAll(async () => {
  workDirectory = await mkdtemp(join(tmpdir(), 'minichat-synthetic-'));
  // A small EXL2 model with LLaMA-2's real tokenizer (MiniChat's first 32000 pieces), an untied 8-bit
  // head and GQA, whose config names MiniChat like the cgus release does.
  smallModel = join(workDirectory, 'minichat-small');
  await generateSyntheticModel({
    outDir: smallModel,
    shape: {
      hiddenSize: 128,
      intermediateSize: 256,
      numHiddenLayers: 2,
      numAttentionHeads: 4,
      numKeyValueHeads: 2,
      vocabSize: 32000,
      maxPositionEmbeddings: 512,
      tieWordEmbeddings: false,
    },
    bits: 4.0,
    headBits: 8,
    seed: 7,
    tokenizer: new Uint8Array(await readFile(LLAMA2_TOKENIZER)),
  });
  const configPath = join(smallModel, 'config.json');
  const config = JSON.parse(await readFile(configPath, 'utf8'));
  await writeFile(configPath, JSON.stringify({ ...config, _name_or_path: 'GeneZC/MiniChat-2-3B' }));
});

afterAll(async () => {
  await rm(workDirectory, { recursive: true, force: true });
});

describe('small synthetic MiniChat-like model', () => {
  test('inspect picks the MiniChat template by config name', async () => {
    const run = await runCliProcess(['inspect', smallModel, '--json']);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.chatTemplate).toMatchObject({ name: 'minichat', source: 'config-name' });
    expect(report.summary.headBits).toBe(8);
    expect(report.tokenizer).toMatchObject({ vocabSize: 32000, bosId: 1, eosId: 2, addBos: true });
  });

  // SwiftShader runs this model's 32000-row head slowly, so the prompt and the reply stay short.
  test.each(['cpu', 'webgpu'])(
    'generate runs the chat template on %s',
    { timeout: 300_000 },
    async (backend) => {
      const promptRun = await runCliProcess(
        ['prompt', '--model', smallModel, '--messages', '-', '--system', '你是MiniChat。', '--json'],
        { input: JSON.stringify([{ role: 'user', content: '你好，世界' }]) },
      );
      expect(promptRun.code, promptRun.stderr).toBe(0);
      const expectedPromptIds: number[] = JSON.parse(promptRun.stdout).ids;

      const run = await runCliProcess([
        'generate',
        '--model',
        smallModel,
        '--prompt',
        '你好，世界',
        '--system',
        '你是MiniChat。',
        '--temperature',
        '0',
        '--max-tokens',
        '2',
        '--backend',
        backend,
        '--json',
      ]);

      expect(run.code, run.stderr).toBe(0);
      const output = JSON.parse(run.stdout);
      expect(output.promptIds).toEqual(expectedPromptIds);
      expect(output.ids.length).toBeLessThanOrEqual(2);
      expect(['length', 'stop']).toContain(output.finishReason);
      expect(output.usage.promptTokens).toBe(expectedPromptIds.length);
    },
  );
});

describe.skipIf(!FULL_SIZE)('full-size MiniChat-shaped model (MINICHAT_FULL_SIZE=1)', () => {
  let fullModel: string;

  beforeAll(async () => {
    fullModel = FULL_SIZE_DIR ?? join(workDirectory, 'minichat-2-3b');
    const present = await stat(join(fullModel, 'output.safetensors')).then(
      () => true,
      () => false,
    );
    if (!present) {
      await generateSyntheticModel({
        outDir: fullModel,
        shape: 'minichat-2-3b',
        seed: 1,
        tokenizer: new Uint8Array(await readFile(LLAMA2_TOKENIZER)),
      });
    }
  }, 3_600_000);

  test('inspect reports 4.0 bpw with an 8-bit head', async () => {
    const run = await runCliProcess(['inspect', fullModel, '--json']);

    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.config).toMatchObject({ hiddenSize: 3072, numHiddenLayers: 24, vocabSize: 49216 });
    expect(report.summary.headBits).toBe(8);
    expect(report.bitsPerWeight).toBeGreaterThan(3.9);
    expect(report.bitsPerWeight).toBeLessThan(4.4);
    expect(report.tokenizer.vocabSize).toBe(49216);
    expect(report.chatTemplate).toMatchObject({ name: 'minichat', source: 'config-name' });
  });

  test.each(['cpu', 'webgpu'])('loads and generates on %s', { timeout: 3_600_000 }, async (backend) => {
    const run = await runCliProcess([
      'generate',
      '--model',
      fullModel,
      '--prompt',
      '你好',
      '--temperature',
      '0',
      '--max-tokens',
      '2',
      '--context',
      '512',
      '--backend',
      backend,
      '--json',
    ]);

    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).usage.completionTokens).toBeGreaterThan(0);
  });
});
