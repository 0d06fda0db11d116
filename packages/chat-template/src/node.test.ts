import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINICHAT_CHAT_TEMPLATE } from './builtin/minichat-jinja.js';
import { LimitExceededError, TemplateFileError } from './errors.js';
import { loadChatTemplate, MAX_TOKENIZER_CONFIG_BYTES } from './node.js';
import { readMiniChatFixture } from './test-utils/fixture.js';

const fixture = readMiniChatFixture();
const oneTurn = fixture.cases.find((testCase) => testCase.name === 'one_turn')!;

describe('loadChatTemplate', () => {
  let root: string;

  const modelDirectory = async (name: string, config?: object | string) => {
    const directory = join(root, name);
    await mkdir(directory);
    if (config !== undefined) {
      const text = typeof config === 'string' ? config : JSON.stringify(config);
      await writeFile(join(directory, 'tokenizer_config.json'), text);
    }
    return directory;
  };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'chat-template-'));
  });

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads chat_template from tokenizer_config.json', async () => {
    const directory = await modelDirectory('with-template', {
      bos_token: '<s>',
      eos_token: '</s>',
      chat_template: MINICHAT_CHAT_TEMPLATE,
    });
    const template = await loadChatTemplate(directory);
    expect(template?.render(oneTurn.hf_messages).text).toBe(oneTurn.expected_prompt);
  });

  it('falls back when the template is missing', async () => {
    // MiniChat's EXL2 release has a tokenizer_config.json without chat_template.
    const withoutTemplate = await modelDirectory('without-template', { bos_token: '<s>', eos_token: '</s>' });
    expect(await loadChatTemplate(withoutTemplate)).toBeUndefined();
    expect((await loadChatTemplate(withoutTemplate, { fallback: 'minichat' }))?.name).toBe('minichat');

    const withoutFile = await modelDirectory('without-file');
    expect(await loadChatTemplate(withoutFile)).toBeUndefined();
    const template = await loadChatTemplate(withoutFile, { fallback: 'minichat' });
    expect(template?.render(oneTurn.hf_messages).text).toBe(oneTurn.expected_prompt);
  });

  it('rejects a missing directory', async () => {
    const missing = join(root, 'does-not-exist');
    await expect(loadChatTemplate(missing)).rejects.toThrow(TemplateFileError);
    await expect(loadChatTemplate(missing)).rejects.toThrow(
      /Cannot read model directory .*does-not-exist \(ENOENT\)/,
    );
    const file = join(root, 'plain-file');
    await writeFile(file, '');
    await expect(loadChatTemplate(file)).rejects.toThrow(/is not a directory/);
  });

  it('enforces MAX_TOKENIZER_CONFIG_BYTES before reading', async () => {
    const directory = await modelDirectory('too-large', '{}');
    // A sparse file: the size check must reject it without reading 32 MiB.
    await truncate(join(directory, 'tokenizer_config.json'), MAX_TOKENIZER_CONFIG_BYTES + 1);
    const load = loadChatTemplate(directory);
    await expect(load).rejects.toThrow(LimitExceededError);
    await expect(loadChatTemplate(directory)).rejects.toThrow(
      /above MAX_TOKENIZER_CONFIG_BYTES \(33554432\)/,
    );
  });
});
