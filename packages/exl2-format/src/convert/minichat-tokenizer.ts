import { parseSentencePieceModel, serializeSentencePieceModel } from '@minichat/tokenizer';
import { InvalidOptionError } from '../errors.js';

/** Vocabulary size of MiniChat-2-3B: LLaMA-2's 32000 pieces, 17,195 Chinese pieces and 21 fillers. */
export const MINICHAT_VOCAB_SIZE = 49216;

/** Number of Chinese pieces MiniChat appends after LLaMA-2's vocabulary (ids 32000..49194). */
export const MINICHAT_CHINESE_PIECES = 17195;

/**
 * Builds a 49216-piece `tokenizer.model` shaped like MiniChat's from LLaMA-2's `tokenizer.model`.
 * The base pieces keep their ids and scores. Then come 17,195 single CJK ideographs that the base
 * lacks, in code point order from U+4E00, and 21 unused filler pieces. Scores decrease by one per
 * id, as in MiniChat.
 */
// NOTE: MiniChat's real Chinese pieces include multi-character words that are not available
// offline. These single ideographs match its ids, sizes and score pattern, not its text.
export function buildMinichatLikeTokenizer(baseModel: Uint8Array): Uint8Array {
  const model = parseSentencePieceModel(baseModel);
  if (model.pieces.length !== 32000) {
    throw new InvalidOptionError(
      `The base tokenizer has ${model.pieces.length} pieces; pass LLaMA-2's 32000-piece tokenizer.model.`,
      {
        expected: '32000 pieces',
        actual: `${model.pieces.length} pieces`,
      },
    );
  }
  const existing = new Set(model.pieces.map((entry) => entry.piece));
  const scoreOf = (id: number) => -(id - 259);
  for (
    let codePoint = 0x4e00;
    model.pieces.length < 32000 + MINICHAT_CHINESE_PIECES && codePoint <= 0x9fff;
    codePoint++
  ) {
    const piece = String.fromCodePoint(codePoint);
    if (!existing.has(piece))
      model.pieces.push({ piece, score: scoreOf(model.pieces.length), type: 'NORMAL' });
  }
  for (let filler = 0; model.pieces.length < MINICHAT_VOCAB_SIZE; filler++) {
    model.pieces.push({ piece: `<filler_${filler}>`, score: scoreOf(model.pieces.length), type: 'UNUSED' });
  }
  model.trainerSpec.vocabSize = MINICHAT_VOCAB_SIZE;
  return serializeSentencePieceModel(model);
}
