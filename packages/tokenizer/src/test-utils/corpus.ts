/**
 * A deterministic text corpus for comparing this tokenizer with Google's SentencePiece. Every string
 * mixes fragments from the categories below, so merges meet unusual neighbours.
 */

/** Mulberry32: a small seeded generator, so every run builds the same corpus. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ENGLISH = [
  'The quick brown fox jumps over the lazy dog.',
  "I'm sure we'll finish by tomorrow, won't we?",
  'Transformers tokenize text into subword units.',
  'Supercalifragilisticexpialidocious',
  'antidisestablishmentarianism',
  'Hello, World! HELLO world? hello...',
  'e-mail: someone@example.com, URL: https://example.org/a?b=c&d=e',
  '3.14159 2,718 1e-9 0x1F 1000000 42nd 1st',
];
const CHINESE = [
  '‘MiniChat’是一个由‘Beccurio’开发的AI语言模型。',
  '下面是人类和MiniChat之间的一段对话。',
  '我们今天去北京天安门广场看升旗，然后吃烤鸭。',
  '机器学习是人工智能的一个分支，它使计算机能够从数据中学习。',
  '镇长说：“明天下雨，记得带伞！”',
  '繁體中文與简体中文混合：龍、龙、門、门。',
];
const JAPANESE = [
  '吾輩は猫である。名前はまだ無い。',
  'カタカナとひらがなを混ぜて書きます。',
  'ｶﾀｶﾅ（半角）と全角ＡＢＣ１２３',
  '東京タワーに行きましょう！',
];
const EMOJI = ['🦙', '👋🏽', '👨‍👩‍👧‍👦', '🏳️‍🌈', '❤️‍🔥', '🇯🇵🇨🇳', '🧑🏻‍💻 coding', 'ok👍👍👍'];
const CODE = [
  'function add(a, b) {\n\treturn a + b;\n}\n',
  'for (let i = 0; i < n; i++) { sum += x[i] * y[i]; }',
  'def f(x):\n    return {"key": [1, 2, 3]}\n',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); }',
  '<div class="a">&lt;b&gt;</div>',
  '$ ls -la | grep "\\.ts$" && echo done',
  'SELECT * FROM users WHERE id = 1;',
];
const SPECIAL_LOOKING = ['<s>', '</s>', '<unk>', '[|User|]', '[|Assistant|]', '<0x41>', '<pad>'];
const WHITESPACE = [
  ' ',
  '  ',
  '   ',
  '    ',
  '        ',
  '\t',
  '\t\t',
  '\n',
  '\n\n',
  '\r\n',
  ' \n ',
  '\u3000',
  '\u00a0',
  '\u2581',
];
const CONTROL = [
  '\u0000',
  '\u0001',
  '\u0007',
  '\u001b',
  '\u007f',
  '\u0085',
  '\u200b',
  '\u200d',
  '\ufeff',
  '\ufffd',
];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff'];

/** Builds `count` strings from the seeded generator. */
export function buildCorpus(count: number, seed = 1): string[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const fragment = (): string => {
    const roll = random();
    if (roll < 0.2) return pick(ENGLISH);
    if (roll < 0.35) return pick(CHINESE);
    if (roll < 0.43) return pick(JAPANESE);
    if (roll < 0.5) return pick(EMOJI);
    if (roll < 0.6) return pick(CODE);
    if (roll < 0.72) return pick(WHITESPACE);
    if (roll < 0.77) return pick(CONTROL);
    if (roll < 0.8) return pick(LONE_SURROGATES);
    if (roll < 0.84) return pick(SPECIAL_LOOKING);
    if (roll < 0.88) return randomWord(random, 40 + Math.floor(random() * 400));
    if (roll < 0.94) return randomCodePoints(random, 1 + Math.floor(random() * 8));
    return pick(ENGLISH).slice(Math.floor(random() * 10));
  };
  const corpus: string[] = ['', ' ', '  ', '\n', 'a', '▁', '▁▁a'];
  while (corpus.length < count) {
    const parts = 1 + Math.floor(random() * 6);
    let text = '';
    for (let i = 0; i < parts; i++) text += fragment();
    corpus.push(text);
  }
  return corpus;
}

/** Builds a long run of letters without spaces. */
function randomWord(random: () => number, length: number): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzaeiouaeiou';
  let word = '';
  for (let i = 0; i < length; i++) word += letters[Math.floor(random() * letters.length)];
  return word;
}

/** Random code points from every plane, skipping surrogates. */
function randomCodePoints(random: () => number, count: number): string {
  let text = '';
  for (let i = 0; i < count; i++) {
    const plane = random();
    let cp: number;
    if (plane < 0.4) cp = 0x20 + Math.floor(random() * 0x2e0);
    else if (plane < 0.7) cp = 0x4e00 + Math.floor(random() * 0x5200);
    else if (plane < 0.9) cp = 0x1f300 + Math.floor(random() * 0x700);
    else cp = Math.floor(random() * 0x10ffff);
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
    text += String.fromCodePoint(cp);
  }
  return text;
}
