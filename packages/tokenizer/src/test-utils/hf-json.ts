import type { SentencePieceModelData } from '../model-data.js';

/** Options of {@link toHuggingFaceJson}. */
export interface HuggingFaceJsonOptions {
  /** Write the Metaspace pre-tokenizer of newer files instead of the legacy normalizer. Default: false. */
  metaspace?: 'always' | 'first';
  /** Write merges as `["a", "b"]` pairs (newer files) instead of `"a b"` strings. Default: false. */
  pairMerges?: boolean;
}

/**
 * Writes a `tokenizer.json` the way Hugging Face's SentencePiece converter builds one for LLaMA.
 * Every split of a piece into two vocabulary pieces becomes a merge. Merges are sorted by the score
 * of the merged piece, highest first and stable, and splits of one piece are ordered by their ids.
 */
export function toHuggingFaceJson(
  model: SentencePieceModelData,
  options: HuggingFaceJsonOptions = {},
): string {
  const vocab: Record<string, number> = {};
  model.pieces.forEach((entry, id) => {
    vocab[entry.piece] = id;
  });
  const merges: { left: string; right: string; score: number }[] = [];
  for (const entry of model.pieces) {
    const local: { left: string; right: string; score: number }[] = [];
    for (let index = 1; index < entry.piece.length; index++) {
      const left = entry.piece.slice(0, index);
      const right = entry.piece.slice(index);
      if (left in vocab && right in vocab) local.push({ left, right, score: entry.score });
    }
    local.sort((a, b) => vocab[a.left]! - vocab[b.left]! || vocab[a.right]! - vocab[b.right]!);
    merges.push(...local);
  }
  merges.sort((a, b) => b.score - a.score);

  const added = model.pieces
    .map((entry, id) => ({ entry, id }))
    .filter(
      ({ entry }) => entry.type === 'CONTROL' || entry.type === 'UNKNOWN' || entry.type === 'USER_DEFINED',
    )
    .map(({ entry, id }) => ({
      id,
      content: entry.piece,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: entry.type !== 'USER_DEFINED',
    }));
  const legacyNormalizer = {
    type: 'Sequence',
    normalizers: [
      { type: 'Prepend', prepend: '▁' },
      { type: 'Replace', pattern: { String: ' ' }, content: '▁' },
    ],
  };
  return JSON.stringify({
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: options.metaspace === undefined ? legacyNormalizer : null,
    pre_tokenizer:
      options.metaspace === undefined
        ? null
        : { type: 'Metaspace', replacement: '▁', prepend_scheme: options.metaspace, split: false },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '▁' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      vocab,
      merges: merges.map(({ left, right }) => (options.pairMerges ? [left, right] : `${left} ${right}`)),
    },
  });
}
