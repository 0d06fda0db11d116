import { BackendUsageError } from '../../errors.js';
import type { LinearWeightData } from '../interface.js';
import { checkEqual, checkInteger } from './validate.js';

/** Bit widths EXL2 uses. */
export const EXL2_BIT_WIDTHS: readonly number[] = [2, 3, 4, 5, 6, 8];

/**
 * Checks that linear-layer data is self-consistent before a kernel indexes into it: array types and
 * lengths, the EXL2 group map (contiguous rows covering every input, word rows in order) and the
 * permutation.
 */
export function validateLinearData(data: LinearWeightData): void {
  const op = 'uploadLinear';
  checkInteger(op, `${data.name}.inFeatures`, data.inFeatures, 1, 2 ** 24);
  checkInteger(op, `${data.name}.outFeatures`, data.outFeatures, 1, 2 ** 24);

  if (data.kind === 'dense') {
    const expectedArray = data.dtype === 'f16' ? Uint16Array : Float32Array;
    if (!(data.data instanceof expectedArray)) {
      throw new BackendUsageError(op, `${data.name}.data`, data.data, `expected a ${expectedArray.name}`);
    }
    checkEqual(
      op,
      `${data.name}.data.length`,
      data.data.length,
      data.inFeatures * data.outFeatures,
      'out * in',
    );
    return;
  }

  const { name, inFeatures, paddedOutFeatures, groups } = data;
  checkEqual(
    op,
    `${name}.paddedOutFeatures`,
    paddedOutFeatures,
    Math.ceil(data.outFeatures / 32) * 32,
    'N rounded up to 32',
  );
  checkInteger(op, `${name}.groups.length`, groups.length, 1, inFeatures);
  checkEqual(op, `${name}.qScaleMax.length`, data.qScaleMax.length, groups.length, 'one per group');
  checkEqual(
    op,
    `${name}.qScale.length`,
    data.qScale.length,
    (groups.length * paddedOutFeatures) / 8,
    'G * Np / 8',
  );
  checkEqual(op, `${name}.perm.length`, data.perm.length, inFeatures, 'inFeatures');
  if (data.bias !== undefined) {
    checkEqual(op, `${name}.bias.length`, data.bias.length, paddedOutFeatures, 'paddedOutFeatures');
  }

  let rowStart = 0;
  let qRowStart = 0;
  for (let g = 0; g < groups.length; g++) {
    const group = groups[g]!;
    if (!EXL2_BIT_WIDTHS.includes(group.bits)) {
      throw new BackendUsageError(
        op,
        `${name}.groups[${g}].bits`,
        group.bits,
        'expected one of 2, 3, 4, 5, 6, 8',
      );
    }
    checkEqual(
      op,
      `${name}.groups[${g}].rowStart`,
      group.rowStart,
      rowStart,
      'the end of the previous group',
    );
    checkEqual(
      op,
      `${name}.groups[${g}].qRowStart`,
      group.qRowStart,
      qRowStart,
      'the end of the previous group',
    );
    checkInteger(op, `${name}.groups[${g}].rows`, group.rows, 1, inFeatures - rowStart);
    rowStart += group.rows;
    qRowStart += Math.ceil((group.rows * group.bits) / 32);
  }
  checkEqual(op, `${name}.groups rows`, rowStart, inFeatures, 'the sum of group rows is inFeatures');
  checkEqual(op, `${name}.qWeight.length`, data.qWeight.length, qRowStart * paddedOutFeatures, 'QR * Np');

  const seen = new Uint8Array(inFeatures);
  for (let k = 0; k < inFeatures; k++) {
    const feature = data.perm[k]!;
    if (feature >= inFeatures || seen[feature] === 1) {
      throw new BackendUsageError(
        op,
        `${name}.perm[${k}]`,
        feature,
        'expected a permutation of 0..inFeatures-1',
      );
    }
    seen[feature] = 1;
  }
}
