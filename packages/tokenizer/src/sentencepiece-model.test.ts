import { describe, expect, it } from 'vitest';
import { TokenizerFormatError, TokenizerLimitError } from './errors.js';
import { MAX_MODEL_FILE_BYTES, MAX_PIECE_BYTES, MAX_PIECES } from './limits.js';
import { loadSentencePieceModel } from './load-sentencepiece.js';
import { ProtoWriter } from './protobuf.js';
import { parseSentencePieceModel, serializeSentencePieceModel } from './sentencepiece-model.js';
import { readFixture } from './test-utils/fixtures.js';

const llamaBytes = readFixture('tokenizers', 'llama2-tokenizer.model');

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

function pieceMessage(piece: string, score: number, type: number): Uint8Array {
  const writer = new ProtoWriter();
  writer.bytes(1, piece);
  writer.float(2, score);
  writer.varint(3, type);
  return writer.finish();
}

describe('parseSentencePieceModel', () => {
  const model = parseSentencePieceModel(llamaBytes);

  it('reads the LLaMA-2 pieces and specs', () => {
    expect(model.pieces).toHaveLength(32000);
    expect(model.pieces[0]).toEqual({ piece: '<unk>', score: 0, type: 'UNKNOWN' });
    expect(model.pieces[1]).toEqual({ piece: '<s>', score: 0, type: 'CONTROL' });
    expect(model.pieces[3]).toEqual({ piece: '<0x00>', score: 0, type: 'BYTE' });
    expect(model.pieces[29871]).toEqual({ piece: '▁', score: -1e9, type: 'NORMAL' });
    expect(model.pieces[31999]).toEqual({ piece: '给', score: -31740, type: 'NORMAL' });
    expect(model.trainerSpec.modelType).toBe('BPE');
    expect(model.trainerSpec.byteFallback).toBe(true);
    expect([
      model.trainerSpec.unkId,
      model.trainerSpec.bosId,
      model.trainerSpec.eosId,
      model.trainerSpec.padId,
    ]).toEqual([0, 1, 2, -1]);
    expect(model.normalizerSpec.name).toBe('identity');
    expect(model.normalizerSpec.addDummyPrefix).toBe(true);
    expect(model.normalizerSpec.removeExtraWhitespaces).toBe(false);
  });

  it('keeps a piece that is only a byte order mark', () => {
    expect(model.pieces[30143]!.piece).toBe('\uFEFF');
  });
});

describe('serializeSentencePieceModel', () => {
  it('round-trips the LLaMA-2 model', () => {
    const model = parseSentencePieceModel(llamaBytes);
    const again = parseSentencePieceModel(serializeSentencePieceModel(model));
    expect(again).toEqual(model);
  });

  it('writes appended pieces that load', () => {
    const model = parseSentencePieceModel(llamaBytes);
    model.pieces.push({ piece: '镇长', score: -31741, type: 'NORMAL' });
    const tokenizer = loadSentencePieceModel(serializeSentencePieceModel(model));
    expect(tokenizer.vocabSize).toBe(32001);
    expect(tokenizer.encode('镇长', { addBos: false })).toEqual([29871, 32000]);
  });
});

describe('parseSentencePieceModel rejects malformed files', () => {
  it('rejects an empty file', () => {
    expect(() => parseSentencePieceModel(new Uint8Array(0))).toThrow(/file size.*empty/);
  });

  it('rejects a truncated file', () => {
    const error = catchError(() => parseSentencePieceModel(llamaBytes.subarray(0, 1000)));
    expect(error).toBeInstanceOf(TokenizerFormatError);
    expect((error as Error).message).toMatch(/truncated/);
  });

  it('rejects a file above MAX_MODEL_FILE_BYTES', () => {
    const error = catchError(() => parseSentencePieceModel(new Uint8Array(MAX_MODEL_FILE_BYTES + 1)));
    expect(error).toBeInstanceOf(TokenizerLimitError);
    expect((error as TokenizerLimitError).limit).toBe('MAX_MODEL_FILE_BYTES');
  });

  it('rejects more than MAX_PIECES pieces', () => {
    const piece = new ProtoWriter();
    piece.bytes(1, pieceMessage('a', 0, 1));
    const encodedPiece = piece.finish();
    const bytes = new Uint8Array(encodedPiece.length * (MAX_PIECES + 1));
    for (let i = 0; i <= MAX_PIECES; i++) bytes.set(encodedPiece, i * encodedPiece.length);
    const error = catchError(() => parseSentencePieceModel(bytes));
    expect(error).toBeInstanceOf(TokenizerLimitError);
    expect((error as Error).message).toMatch(/pieces.*MAX_PIECES/);
  });

  it('rejects a piece above MAX_PIECE_BYTES', () => {
    const writer = new ProtoWriter();
    writer.bytes(1, pieceMessage('x'.repeat(MAX_PIECE_BYTES + 1), 0, 1));
    const error = catchError(() => parseSentencePieceModel(writer.finish()));
    expect(error).toBeInstanceOf(TokenizerLimitError);
    expect((error as TokenizerLimitError).field).toBe('pieces[0].piece');
  });

  it('rejects an unknown piece type', () => {
    const writer = new ProtoWriter();
    writer.bytes(1, pieceMessage('a', 0, 9));
    expect(() => parseSentencePieceModel(writer.finish())).toThrow(/pieces\[0\]\.type.*value: 9/);
  });

  it('rejects a piece with invalid UTF-8', () => {
    const piece = new ProtoWriter();
    piece.bytes(1, new Uint8Array([0xc3, 0x28]));
    const writer = new ProtoWriter();
    writer.bytes(1, piece.finish());
    expect(() => parseSentencePieceModel(writer.finish())).toThrow(/pieces\[0\]\.piece.*UTF-8/);
  });

  it('rejects a field with the wrong wire type', () => {
    const writer = new ProtoWriter();
    writer.varint(1, 5);
    expect(() => parseSentencePieceModel(writer.finish())).toThrow(/pieces\[0\].*wire type 0, expected 2/);
  });

  it('rejects a model without an UNKNOWN piece', () => {
    const writer = new ProtoWriter();
    writer.bytes(1, pieceMessage('a', 0, 1));
    const trainer = new ProtoWriter();
    trainer.varint(3, 2);
    writer.bytes(2, trainer.finish());
    expect(() => loadSentencePieceModel(writer.finish())).toThrow(/no UNKNOWN piece/);
  });

  it('rejects duplicate pieces', () => {
    const writer = new ProtoWriter();
    writer.bytes(1, pieceMessage('<unk>', 0, 2));
    writer.bytes(1, pieceMessage('a', 0, 1));
    writer.bytes(1, pieceMessage('a', -1, 1));
    const trainer = new ProtoWriter();
    trainer.varint(3, 2);
    writer.bytes(2, trainer.finish());
    expect(() => loadSentencePieceModel(writer.finish())).toThrow(
      /pieces\[2\]\.piece.*duplicates the piece of id 1/,
    );
  });

  it('rejects a unigram model as unsupported', () => {
    const model = parseSentencePieceModel(llamaBytes);
    model.trainerSpec.modelType = 'UNIGRAM';
    expect(() => loadSentencePieceModel(serializeSentencePieceModel(model))).toThrow(
      /model_type = "UNIGRAM"/,
    );
  });
});
