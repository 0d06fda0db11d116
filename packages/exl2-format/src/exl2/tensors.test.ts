import { describe, expect, it } from 'vitest';
import { Exl2TensorError } from '../errors.js';
import { MAX_EXL2_GROUPS, MAX_EXL2_IN_FEATURES } from '../limits.js';
import { parseQGroups } from './groups.js';
import { assembleExl2Tensors, type Exl2RawTensors } from './tensors.js';

// A valid 64 × 32 layer: 4-bit rows 0-31 (q_weight rows 0-3) and 2-bit rows 32-63 (q_weight rows 4-5).
function validRaw(): Exl2RawTensors {
  return {
    qWeight: { data: new Uint32Array(6 * 32), shape: [6, 32] },
    qScale: { data: new Uint32Array(2 * 4), shape: [2, 4] },
    qScaleMax: { data: new Uint16Array(2), shape: [2] },
    qGroups: { data: Uint16Array.of(4, 0, 2, 4), shape: [4] },
    qInvperm: { data: Uint32Array.from({ length: 64 }, (_, i) => 63 - i), shape: [64] },
  };
}

const expectTensorError = (
  raw: Exl2RawTensors,
  pattern: RegExp,
  fields: Record<string, string> = {},
  outFeatures?: number,
) => {
  let error: unknown;
  try {
    assembleExl2Tensors('layer', raw, outFeatures);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(Exl2TensorError);
  expect((error as Error).message).toMatch(pattern);
  expect(error).toMatchObject(fields);
};

describe('EXL2 tensor validation', () => {
  it('accepts a valid layer', () => {
    const t = assembleExl2Tensors('layer', validRaw(), 30);
    expect(t.groups.map((group) => group.rows)).toEqual([32, 32]);
    expect(t.perm[0]).toBe(63);
  });

  it('rejects bit widths outside 2-8', () => {
    const raw = validRaw();
    raw.qGroups.data = Uint16Array.of(4, 0, 7, 4);
    expectTensorError(raw, /group 1 has bit width 7; EXL2 supports 8, 6, 5, 4, 3, 2/, {
      tensor: 'layer.q_groups',
      actual: '7',
    });
  });

  it('rejects q_groups inconsistent with q_weight rows', () => {
    const raw = validRaw();
    raw.qGroups.data = Uint16Array.of(4, 0, 2, 3);
    // 3 word rows of 4-bit codes hold 24 rows and 3 of 2-bit codes hold 48: 72 rows, not 64.
    expectTensorError(
      raw,
      /groups cover 72 input rows but q_invperm has 64; q_groups is inconsistent with q_weight/,
    );
    raw.qGroups.data = Uint16Array.of(4, 1, 2, 4);
    expectTensorError(raw, /group 0 starts at q_weight row 1/);
    raw.qGroups.data = Uint16Array.of(4, 0, 2, 9);
    expectTensorError(
      raw,
      /group 0 spans q_weight rows \[0, 9\), which is empty or past the 6 rows of q_weight/,
    );
    raw.qGroups.data = Uint16Array.of(3, 0, 2, 4);
    expectTensorError(raw, /group 0 owns 4 word rows, which do not hold a whole number of 3-bit codes/);
  });

  it('rejects a q_invperm that is not a permutation', () => {
    const raw = validRaw();
    raw.qInvperm.data[5] = 64;
    expectTensorError(raw, /q_invperm is not a permutation: entry 5 is 64, outside 0..63/, {
      tensor: 'layer.q_invperm',
    });
    raw.qInvperm.data[5] = raw.qInvperm.data[6]!;
    expectTensorError(raw, /row 57 appears twice \(entries 5 and 6\)/);
  });

  it('rejects shapes that disagree with each other', () => {
    const scale = validRaw();
    scale.qScale.shape = [2, 8];
    expectTensorError(scale, /layer.q_scale has shape \[2, 8\]; expected \[2, 4\]/, { expected: '[2, 4]' });
    const groups = validRaw();
    groups.qGroups.shape = [6];
    expectTensorError(groups, /layer.q_groups has shape \[6\]; expected \[4\]/);
    const weight = validRaw();
    weight.qWeight.shape = [6, 30];
    expectTensorError(weight, /layer.q_weight has shape \[6, 30\]/);
    const perm = validRaw();
    perm.qInvperm.shape = [MAX_EXL2_IN_FEATURES + 1];
    expectTensorError(perm, /q_invperm has shape \[65537\]/);
  });

  it('rejects non-finite or negative scales', () => {
    const raw = validRaw();
    raw.qScaleMax.data[1] = 0x7c00;
    expectTensorError(raw, /group 1 has fp16 bits 0x7c00, which is not a finite non-negative scale/, {
      tensor: 'layer.q_scale_max',
    });
    raw.qScaleMax.data[1] = 0xbc00;
    expectTensorError(raw, /fp16 bits 0xbc00/);
  });

  it('rejects an output count that does not pad to the stored columns', () => {
    expectTensorError(validRaw(), /40 output features do not pad to the 32 stored columns/, {}, 40);
  });

  it('rejects more groups than the limit', () => {
    expect(() => parseQGroups(new Uint16Array(2 * (MAX_EXL2_GROUPS + 1)), 64, 6, 'layer')).toThrow(
      /for 1..2048 groups/,
    );
  });
});
