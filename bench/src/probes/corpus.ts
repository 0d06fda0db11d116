/**
 * A deterministic English and Chinese text corpus for the tokenizer probe: paragraphs built from fixed
 * sentences in a seeded order, so every run encodes the same bytes.
 */

const ENGLISH = [
  'The scheduler wakes every worker thread, hands each one a slice of the matrix and waits for all of them.',
  'Memory bandwidth, not arithmetic, limits how fast a small language model can produce the next token.',
  "She said it wasn't the weights that mattered; it was the 4,096-token context and the cache behind it.",
  'Quantized weights are read once per token, so a 1.8 GB file costs about 1.8 GB of reads per step.',
  'Open the file, read the header, check every size against a limit, and only then allocate the buffers.',
  'In 2023 the team moved its inference from Python to TypeScript and measured everything twice.',
];
const CHINESE = [
  '这个模型在浏览器里运行，所有计算都在本地完成，不需要把数据发送到服务器。',
  '量化把每个权重压缩到四个比特左右，读取内存的时间因此减少了大约四分之三。',
  '我们先读取文件头，检查每一个长度，然后才分配内存，这样损坏的文件不会让程序崩溃。',
  '解码一个词元需要把全部权重读一遍，所以内存带宽决定了生成速度的上限。',
  '今天北京的天气很好，我们在公园里讨论了缓存、线程和矩阵乘法。',
];

/** A seeded 32-bit generator (mulberry32). */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Returns paragraphs of four to eight sentences, about two thirds English and one third Chinese by
 * sentence count, until their UTF-8 size reaches `bytes`.
 */
export function buildCorpus(bytes: number, seed = 1): string[] {
  const random = seeded(seed);
  const encoder = new TextEncoder();
  const paragraphs: string[] = [];
  let total = 0;
  while (total < bytes) {
    const sentences: string[] = [];
    const count = 4 + Math.floor(random() * 5);
    for (let i = 0; i < count; i++) {
      const pool = random() < 2 / 3 ? ENGLISH : CHINESE;
      sentences.push(pool[Math.floor(random() * pool.length)]!);
    }
    const paragraph = sentences.join(' ');
    paragraphs.push(paragraph);
    total += encoder.encode(paragraph).length;
  }
  return paragraphs;
}
