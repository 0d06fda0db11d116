import { describe, expect, it } from 'vitest';
import { MINICHAT_CHAT_TEMPLATE } from './builtin/minichat-jinja.js';
import { ChatTemplateSyntaxError, InvalidTokenizerConfigError, LimitExceededError } from './errors.js';
import { MAX_NAMED_TEMPLATES, MAX_TOKENIZER_CONFIG_CHARS } from './limits.js';
import { readMiniChatFixture } from './test-utils/fixture.js';
import { templateFromTokenizerConfig } from './tokenizer-config.js';

const fixture = readMiniChatFixture();

/** Builds a LLaMA-style tokenizer config object with MiniChat's template added. */
function miniChatConfig(overrides: Record<string, unknown> = {}) {
  return {
    add_bos_token: true,
    add_eos_token: false,
    added_tokens_decoder: {
      '0': { content: '<unk>', special: true },
      '1': { content: '<s>', special: true },
      '2': { content: '</s>', special: true },
    },
    bos_token: { __type: 'AddedToken', content: '<s>', lstrip: false, rstrip: false },
    eos_token: { __type: 'AddedToken', content: '</s>', lstrip: false, rstrip: false },
    tokenizer_class: 'LlamaTokenizer',
    chat_template: MINICHAT_CHAT_TEMPLATE,
    ...overrides,
  };
}

const twoTurn = fixture.cases.find((testCase) => testCase.name === 'two_turn')!;

describe('templateFromTokenizerConfig', () => {
  it('renders the config template from JSON text', () => {
    const template = templateFromTokenizerConfig(JSON.stringify(miniChatConfig()))!;
    expect(template.name).toBe('tokenizer_config');
    expect(template.render(twoTurn.hf_messages).text).toBe(twoTurn.expected_prompt);
    expect(template.stop).toEqual({ eosTokenIds: [2], stopStrings: [] });
  });

  it('returns undefined without chat_template', () => {
    expect(templateFromTokenizerConfig(miniChatConfig({ chat_template: undefined }))).toBeUndefined();
    expect(templateFromTokenizerConfig(miniChatConfig({ chat_template: null }))).toBeUndefined();
  });

  it('picks a named template', () => {
    const config = miniChatConfig({
      chat_template: [
        { name: 'default', template: MINICHAT_CHAT_TEMPLATE },
        { name: 'tool_use', template: 'tools:{{ messages[0].content }}' },
      ],
    });
    expect(templateFromTokenizerConfig(config)!.render(twoTurn.hf_messages).text).toBe(
      twoTurn.expected_prompt,
    );
    const toolUse = templateFromTokenizerConfig(config, { templateName: 'tool_use' })!;
    expect(toolUse.name).toBe('tokenizer_config:tool_use');
    expect(toolUse.render([{ role: 'user', content: 'x' }]).text).toBe('tools:x');
    expect(() => templateFromTokenizerConfig(config, { templateName: 'rag' })).toThrow(
      /no template named "rag"\. Use one of: default, tool_use\./,
    );
  });

  it('passes bos_token and eos_token to the template', () => {
    const config = miniChatConfig({
      chat_template: '{{ bos_token }}|{{ eos_token }}|{{ messages[0].content }}',
    });
    expect(templateFromTokenizerConfig(config)!.render([{ role: 'user', content: 'x' }]).text).toBe(
      '|</s>|x',
    );
    const noBos = templateFromTokenizerConfig({ ...config, add_bos_token: false })!;
    expect(noBos.render([{ role: 'user', content: 'x' }]).text).toBe('<s>|</s>|x');
  });

  it('takes the EOS id from added_tokens_decoder', () => {
    const config = miniChatConfig({
      eos_token: '<|im_end|>',
      added_tokens_decoder: { '2': { content: '</s>' }, '32000': { content: '<|im_end|>' } },
    });
    expect(templateFromTokenizerConfig(config)!.stop).toEqual({ eosTokenIds: [32000], stopStrings: [] });
    const withoutIds = miniChatConfig({ eos_token: '<|im_end|>', added_tokens_decoder: undefined });
    expect(templateFromTokenizerConfig(withoutIds)!.stop).toEqual({
      eosTokenIds: [2],
      stopStrings: ['<|im_end|>'],
    });
  });

  it('rejects malformed configs', () => {
    expect(() => templateFromTokenizerConfig('{"chat_template": ')).toThrow(InvalidTokenizerConfigError);
    expect(() => templateFromTokenizerConfig('{"chat_template": ')).toThrow(/not valid JSON/);
    expect(() => templateFromTokenizerConfig('[1]')).toThrow(
      /must contain a JSON object, but it contains an array/,
    );
    expect(() => templateFromTokenizerConfig(miniChatConfig({ chat_template: 7 }))).toThrow(
      /chat_template must be a string or a list/,
    );
    expect(() =>
      templateFromTokenizerConfig(miniChatConfig({ chat_template: [{ name: 'default' }] })),
    ).toThrow(/chat_template\[0\] must be an object with string "name" and "template"/);
    expect(() => templateFromTokenizerConfig(miniChatConfig({ eos_token: 2 }))).toThrow(
      /eos_token must be a string or an object with a string "content", but got 2/,
    );
    expect(() => templateFromTokenizerConfig(miniChatConfig({ add_bos_token: 'yes' }))).toThrow(
      /add_bos_token must be true or false/,
    );
  });

  it('reports template syntax errors', () => {
    const config = miniChatConfig({ chat_template: '{% for m in messages %}{{ m.content }}' });
    expect(() => templateFromTokenizerConfig(config)).toThrow(ChatTemplateSyntaxError);
    expect(() => templateFromTokenizerConfig(config)).toThrow(/"tokenizer_config" failed to parse at line 1/);
  });

  it('enforces MAX_TOKENIZER_CONFIG_CHARS', () => {
    const text = `{"x": "${'a'.repeat(MAX_TOKENIZER_CONFIG_CHARS)}"}`;
    expect(() => templateFromTokenizerConfig(text)).toThrow(LimitExceededError);
    expect(() => templateFromTokenizerConfig(text)).toThrow(/MAX_TOKENIZER_CONFIG_CHARS/);
  });

  it('enforces MAX_NAMED_TEMPLATES', () => {
    const entries = Array.from({ length: MAX_NAMED_TEMPLATES + 1 }, (_, index) => ({
      name: index === 0 ? 'default' : `t${index}`,
      template: 'x',
    }));
    const create = () => templateFromTokenizerConfig(miniChatConfig({ chat_template: entries }));
    expect(create).toThrow(LimitExceededError);
    expect(create).toThrow(
      /number of named templates in chat_template is 257, above MAX_NAMED_TEMPLATES \(256\)/,
    );
    expect(() => templateFromTokenizerConfig(miniChatConfig({ chat_template: entries.slice(1) }))).toThrow(
      /no template named "default"/,
    );
  });
});
