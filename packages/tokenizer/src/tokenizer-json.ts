import { TokenizerFormatError, TokenizerLimitError, UnsupportedTokenizerError } from './errors.js';
import { decodeJsonText, JsonFields } from './json-fields.js';
import {
  MAX_ADDED_TOKENS,
  MAX_MERGES,
  MAX_PIECE_BYTES,
  MAX_PIECES,
  MAX_TOKENIZER_JSON_BYTES,
} from './limits.js';
import type { LoadTokenizerOptions } from './load-sentencepiece.js';
import {
  defaultBpeTrainerSpec,
  identityNormalizerSpec,
  type PieceType,
  type SentencePieceEntry,
  type SentencePieceModelData,
} from './model-data.js';
import { Tokenizer } from './tokenizer.js';
import { SPACE_SYMBOL } from './vocabulary.js';

/** Options of {@link loadTokenizerJson}. */
export interface LoadTokenizerJsonOptions extends LoadTokenizerOptions {
  /** Piece used as BOS. Default: `<s>`. */
  bosToken?: string;
  /** Piece used as EOS. Default: `</s>`. */
  eosToken?: string;
  /** Piece used for padding. Default: none. */
  padToken?: string;
}

/** A `tokenizer.json` converted to SentencePiece model data, with what the model data cannot hold. */
export interface ParsedTokenizerJson {
  /** Pieces, scores and specs; scores come from merge ranks. */
  model: SentencePieceModelData;
  /** Ids of added tokens marked `special`, which `parseSpecial` matches and `skipSpecialTokens` skips. */
  specialIds: number[];
  /** Whether a dummy prefix starts every text run between special tokens (legacy) or only the first. */
  prefixEverySegment: boolean;
  /** Whether the post-processor template adds BOS, or `undefined` without a template. */
  addBosToken: boolean | undefined;
  /** Whether the post-processor template adds EOS, or `undefined` without a template. */
  addEosToken: boolean | undefined;
}

const FORMAT = 'tokenizer-json';
const fields = new JsonFields(FORMAT);
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/**
 * Converts a Hugging Face `tokenizer.json` of the LLaMA family (BPE with byte fallback) to
 * SentencePiece model data. A piece made by merge rank r gets score -r, so the earliest merge wins,
 * as in the Hugging Face BPE; byte pieces, specials and single characters get score 0.
 *
 * @throws TokenizerFormatError or TokenizerLimitError when the file is malformed or too large.
 * @throws UnsupportedTokenizerError for other models, normalizers and pre-tokenizers.
 */
export function parseTokenizerJson(input: string | Uint8Array): ParsedTokenizerJson {
  let size = 0;
  if (typeof input === 'string' || input instanceof Uint8Array) size = input.length;
  if (size > MAX_TOKENIZER_JSON_BYTES) {
    throw new TokenizerLimitError(
      FORMAT,
      'file size',
      size,
      'MAX_TOKENIZER_JSON_BYTES',
      MAX_TOKENIZER_JSON_BYTES,
    );
  }
  const root = fields.object(fields.parse(decodeJsonText(input, FORMAT), 'input'), '(root)');
  const model = fields.object(root.model, 'model');
  if (model.type !== 'BPE') {
    throw new UnsupportedTokenizerError(
      'model.type',
      model.type,
      'only BPE tokenizer.json files (LLaMA family) are implemented.',
    );
  }
  for (const option of ['continuing_subword_prefix', 'end_of_word_suffix'] as const) {
    if (model[option] !== undefined && model[option] !== null && model[option] !== '') {
      throw new UnsupportedTokenizerError(
        `model.${option}`,
        model[option],
        'SentencePiece-style BPE has no word affixes.',
      );
    }
  }
  const byteFallback = fields.optionalBoolean(model.byte_fallback, 'model.byte_fallback', false);

  // Pieces by id, from the vocabulary and the added tokens.
  const vocab = fields.object(model.vocab, 'model.vocab');
  const vocabEntries = Object.entries(vocab);
  if (vocabEntries.length > MAX_PIECES) {
    throw new TokenizerLimitError(FORMAT, 'model.vocab', vocabEntries.length, 'MAX_PIECES', MAX_PIECES);
  }
  const byId = new Map<number, string>();
  const setPiece = (id: number, piece: string, path: string): void => {
    const known = byId.get(id);
    if (known !== undefined && known !== piece) {
      throw new TokenizerFormatError(FORMAT, path, id, `is already the id of ${JSON.stringify(known)}`);
    }
    byId.set(id, piece);
  };
  for (const [piece, id] of vocabEntries) {
    const path = `model.vocab[${JSON.stringify(piece)}]`;
    checkPiece(piece, path);
    setPiece(fields.index(id, path, MAX_PIECES - 1), piece, path);
  }
  const added =
    root.added_tokens === undefined || root.added_tokens === null
      ? []
      : fields.array(root.added_tokens, 'added_tokens');
  if (added.length > MAX_ADDED_TOKENS) {
    throw new TokenizerLimitError(FORMAT, 'added_tokens', added.length, 'MAX_ADDED_TOKENS', MAX_ADDED_TOKENS);
  }
  const addedTypes = new Map<number, 'special' | 'plain'>();
  added.forEach((value, index) => {
    const path = `added_tokens[${index}]`;
    const token = fields.object(value, path);
    const content = fields.string(token.content, `${path}.content`);
    checkPiece(content, `${path}.content`);
    const id = fields.index(token.id, `${path}.id`, MAX_PIECES - 1);
    setPiece(id, content, `${path}.id`);
    addedTypes.set(id, fields.optionalBoolean(token.special, `${path}.special`, false) ? 'special' : 'plain');
  });
  const count = byId.size === 0 ? 0 : Math.max(...byId.keys()) + 1;
  if (count === 0) throw new TokenizerFormatError(FORMAT, 'model.vocab', 0, 'is empty');
  if (byId.size !== count) {
    const missing = Array.from({ length: count }, (_, id) => id).find((id) => !byId.has(id));
    throw new TokenizerFormatError(
      FORMAT,
      'model.vocab',
      missing,
      `has no piece for this id; ids must cover 0..${count - 1}`,
    );
  }
  const idOf = new Map<string, number>();
  for (const [id, piece] of byId) idOf.set(piece, id);

  // Scores from merge ranks.
  const merges = model.merges === undefined ? [] : fields.array(model.merges, 'model.merges');
  if (merges.length > MAX_MERGES)
    throw new TokenizerLimitError(FORMAT, 'model.merges', merges.length, 'MAX_MERGES', MAX_MERGES);
  const rankOf = new Map<string, number>();
  merges.forEach((merge, rank) => {
    const [left, right] = splitMerge(merge, `model.merges[${rank}]`);
    const merged = left + right;
    for (const [part, name] of [
      [left, 'left'],
      [right, 'right'],
      [merged, 'merged'],
    ] as const) {
      if (!idOf.has(part)) {
        throw new TokenizerFormatError(
          FORMAT,
          `model.merges[${rank}]`,
          part,
          `has a ${name} piece missing from model.vocab`,
        );
      }
    }
    if (!rankOf.has(merged)) rankOf.set(merged, rank);
  });

  const unkToken =
    model.unk_token === undefined || model.unk_token === null
      ? undefined
      : fields.string(model.unk_token, 'model.unk_token');
  if (unkToken === undefined || !idOf.has(unkToken)) {
    throw new TokenizerFormatError(
      FORMAT,
      'model.unk_token',
      unkToken,
      'must name a piece of model.vocab; byte-fallback BPE needs <unk>',
    );
  }
  const pieces: SentencePieceEntry[] = [];
  for (let id = 0; id < count; id++) {
    const piece = byId.get(id)!;
    let type: PieceType = 'NORMAL';
    if (piece === unkToken) type = 'UNKNOWN';
    else if (addedTypes.get(id) === 'special') type = 'CONTROL';
    else if (addedTypes.get(id) === 'plain') type = 'USER_DEFINED';
    else if (byteFallback && BYTE_PIECE.test(piece)) type = 'BYTE';
    const rank = rankOf.get(piece);
    // NOTE: a multi-character piece that no merge produces gets the lowest score here, so it merges
    // last; the Hugging Face BPE never forms it. Files converted from SentencePiece list every split.
    const score =
      rank !== undefined
        ? -rank
        : type === 'NORMAL' && Array.from(piece).length > 1
          ? -(merges.length + id)
          : 0;
    pieces.push({ piece, score, type });
  }

  const trainerSpec = defaultBpeTrainerSpec(count);
  trainerSpec.byteFallback = byteFallback;
  trainerSpec.unkId = idOf.get(unkToken)!;
  trainerSpec.bosId = idOf.get('<s>') ?? -1;
  trainerSpec.eosId = idOf.get('</s>') ?? -1;
  const { addDummyPrefix, prefixEverySegment } = readNormalization(root);
  const normalizerSpec = identityNormalizerSpec();
  normalizerSpec.addDummyPrefix = addDummyPrefix;
  const template = readTemplate(root.post_processor, idOf);
  return {
    model: { pieces, trainerSpec, normalizerSpec, extraFields: new Uint8Array(0) },
    specialIds: [...addedTypes].filter(([, kind]) => kind === 'special').map(([id]) => id),
    prefixEverySegment,
    addBosToken: template?.addBos,
    addEosToken: template?.addEos,
  };
}

/**
 * Loads a Hugging Face `tokenizer.json` of the LLaMA family. Loaded from the `tokenizer.json` that
 * was converted from a SentencePiece model, it encodes to the same ids as the `.model`.
 *
 * @throws TokenizerFormatError, TokenizerLimitError or UnsupportedTokenizerError, as {@link parseTokenizerJson}.
 */
export function loadTokenizerJson(
  json: string | Uint8Array,
  options: LoadTokenizerJsonOptions = {},
): Tokenizer {
  const parsed = parseTokenizerJson(json);
  const model = parsed.model;
  const idOf = (piece: string | undefined, option: string): number | undefined => {
    if (piece === undefined) return undefined;
    const id = model.pieces.findIndex((entry) => entry.piece === piece);
    if (id < 0)
      throw new TokenizerFormatError(
        FORMAT,
        `options.${option}`,
        piece,
        'is not a piece of this tokenizer.json',
      );
    return id;
  };
  model.trainerSpec.bosId = idOf(options.bosToken, 'bosToken') ?? model.trainerSpec.bosId;
  model.trainerSpec.eosId = idOf(options.eosToken, 'eosToken') ?? model.trainerSpec.eosId;
  model.trainerSpec.padId = idOf(options.padToken, 'padToken') ?? -1;
  return new Tokenizer({
    model,
    addBosToken: options.addBosToken ?? parsed.addBosToken ?? true,
    addEosToken: options.addEosToken ?? parsed.addEosToken ?? false,
    extraSpecialIds: parsed.specialIds,
    prefixEverySegment: parsed.prefixEverySegment,
  });
}

function checkPiece(piece: string, path: string): void {
  if (piece.length === 0) throw new TokenizerFormatError(FORMAT, path, piece, 'must not be empty');
  if (piece.length * 3 > MAX_PIECE_BYTES && new TextEncoder().encode(piece).length > MAX_PIECE_BYTES) {
    throw new TokenizerLimitError(
      FORMAT,
      path,
      new TextEncoder().encode(piece).length,
      'MAX_PIECE_BYTES',
      MAX_PIECE_BYTES,
    );
  }
}

/** Splits a merge written as `"left right"` (older files) or `["left", "right"]`. */
function splitMerge(merge: unknown, path: string): [string, string] {
  if (typeof merge === 'string') {
    const space = merge.indexOf(' ');
    if (space <= 0 || space === merge.length - 1 || merge.indexOf(' ', space + 1) >= 0) {
      throw new TokenizerFormatError(FORMAT, path, merge, 'must be two pieces separated by one space');
    }
    return [merge.slice(0, space), merge.slice(space + 1)];
  }
  if (
    Array.isArray(merge) &&
    merge.length === 2 &&
    typeof merge[0] === 'string' &&
    typeof merge[1] === 'string'
  ) {
    return [merge[0], merge[1]];
  }
  throw new TokenizerFormatError(FORMAT, path, merge, 'must be "left right" or ["left", "right"]');
}

/**
 * Reads the normalizer and pre-tokenizer. LLaMA files use either the legacy normalizer
 * (Prepend `▁`, then Replace space with `▁`) or a Metaspace pre-tokenizer that does not split.
 */
function readNormalization(root: Record<string, unknown>): {
  addDummyPrefix: boolean;
  prefixEverySegment: boolean;
} {
  let prepend = false;
  let replacesSpace = false;
  const normalizer = root.normalizer;
  if (normalizer !== undefined && normalizer !== null) {
    const steps = flattenSequence(fields.object(normalizer, 'normalizer'), 'normalizers', 'normalizer');
    for (const [path, step] of steps) {
      if (step.type === 'Prepend' && step.prepend === SPACE_SYMBOL) prepend = true;
      else if (step.type === 'Replace' && replacePattern(step) === ' ' && step.content === SPACE_SYMBOL)
        replacesSpace = true;
      else
        throw new UnsupportedTokenizerError(
          `${path}.type`,
          step.type,
          'only Prepend("▁") and Replace(" ", "▁") normalizers are implemented.',
        );
    }
  }
  const preTokenizer = root.pre_tokenizer;
  if (preTokenizer !== undefined && preTokenizer !== null) {
    const steps = flattenSequence(
      fields.object(preTokenizer, 'pre_tokenizer'),
      'pretokenizers',
      'pre_tokenizer',
    );
    for (const [path, step] of steps) {
      if (step.type !== 'Metaspace' || (step.replacement ?? SPACE_SYMBOL) !== SPACE_SYMBOL) {
        throw new UnsupportedTokenizerError(
          `${path}.type`,
          step.type,
          'only a Metaspace("▁") pre-tokenizer is implemented.',
        );
      }
      if (step.split === true) {
        throw new UnsupportedTokenizerError(
          `${path}.split`,
          true,
          'SentencePiece merges across spaces; a splitting Metaspace is not implemented.',
        );
      }
      replacesSpace = true;
      const scheme = step.prepend_scheme ?? (step.add_prefix_space === false ? 'never' : 'always');
      if (scheme === 'first') return { addDummyPrefix: true, prefixEverySegment: false };
      if (scheme === 'always') prepend = true;
      else if (scheme !== 'never')
        throw new UnsupportedTokenizerError(
          `${path}.prepend_scheme`,
          scheme,
          'expected always, first or never.',
        );
    }
  }
  if (!replacesSpace) {
    throw new UnsupportedTokenizerError(
      'normalizer',
      null,
      'spaces must become ▁ through Replace or Metaspace, as in LLaMA files.',
    );
  }
  return { addDummyPrefix: prepend, prefixEverySegment: true };
}

function flattenSequence(
  step: Record<string, unknown>,
  listName: string,
  path: string,
): [string, Record<string, unknown>][] {
  if (step.type !== 'Sequence') return [[path, step]];
  const list = fields.array(step[listName], `${path}.${listName}`);
  return list.flatMap((item, index) =>
    flattenSequence(
      fields.object(item, `${path}.${listName}[${index}]`),
      listName,
      `${path}.${listName}[${index}]`,
    ),
  );
}

function replacePattern(step: Record<string, unknown>): unknown {
  const pattern = step.pattern;
  return pattern !== null && typeof pattern === 'object'
    ? (pattern as Record<string, unknown>).String
    : undefined;
}

/** Reads whether the TemplateProcessing post-processor adds BOS before and EOS after a single text. */
function readTemplate(
  postProcessor: unknown,
  idOf: ReadonlyMap<string, number>,
): { addBos: boolean; addEos: boolean } | undefined {
  if (postProcessor === null || typeof postProcessor !== 'object') return undefined;
  const processor = postProcessor as Record<string, unknown>;
  if (processor.type !== 'TemplateProcessing' || !Array.isArray(processor.single)) return undefined;
  const items = processor.single as unknown[];
  const specialAt = (index: number): string | undefined => {
    const item = items[index] as Record<string, unknown> | undefined;
    const special = item?.SpecialToken as Record<string, unknown> | undefined;
    return typeof special?.id === 'string' && idOf.has(special.id) ? special.id : undefined;
  };
  return {
    addBos: specialAt(0) !== undefined,
    addEos: items.length > 1 && specialAt(items.length - 1) !== undefined,
  };
}
