import { BackendUsageError, type LinearWeightData } from '@minichat/runtime';

/** Bit widths of EXL2 codes. */
const EXL2_BIT_WIDTHS: readonly number[] = [2, 3, 4, 5, 6, 8];

/** Rejects anything but an integer in `[min, max]`. */
export function checkInteger(op: string, field: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new BackendUsageError(op, field, value, `expected an integer from ${min} to ${max}`);
  }
}

/** Rejects a value that differs from the one the other arguments imply. */
export function checkEqual(op: string, field: string, value: number, expected: number, source: string): void {
  if (value !== expected) throw new BackendUsageError(op, field, value, `expected ${expected} (${source})`);
}

/** Rejects anything but a finite number above zero. */
export function checkPositive(op: string, field: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) {
    throw new BackendUsageError(op, field, value, 'expected a finite number above 0');
  }
}

/**
 * Checks that linear-layer data is self-consistent before it is unpacked: array types and lengths, the
 * EXL2 groups (contiguous, covering every input row, word rows in order) and the permutation.
 */
export function validateLinearData(data: LinearWeightData): void {
  const op = 'uploadLinear';
  const { name } = data;
  checkInteger(op, `${name}.inFeatures`, data.inFeatures, 1, 2 ** 24);
  checkInteger(op, `${name}.outFeatures`, data.outFeatures, 1, 2 ** 24);

  if (data.kind === 'dense') {
    const expectedArray = data.dtype === 'f16' ? Uint16Array : Float32Array;
    if (!(data.data instanceof expectedArray)) {
      throw new BackendUsageError(op, `${name}.data`, data.data, `expected a ${expectedArray.name}`);
    }
    checkEqual(op, `${name}.data.length`, data.data.length, data.inFeatures * data.outFeatures, 'out * in');
    return;
  }

  const { inFeatures, paddedOutFeatures, groups } = data;
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
    const field = `${name}.groups[${g}]`;
    if (!EXL2_BIT_WIDTHS.includes(group.bits)) {
      throw new BackendUsageError(op, `${field}.bits`, group.bits, 'expected one of 2, 3, 4, 5, 6, 8');
    }
    checkEqual(op, `${field}.rowStart`, group.rowStart, rowStart, 'the end of the previous group');
    checkEqual(op, `${field}.qRowStart`, group.qRowStart, qRowStart, 'the end of the previous group');
    checkInteger(op, `${field}.rows`, group.rows, 1, inFeatures - rowStart);
    rowStart += group.rows;
    qRowStart += Math.ceil((group.rows * group.bits) / 32);
  }
  checkEqual(op, `${name}.groups rows`, rowStart, inFeatures, 'inFeatures');
  checkEqual(op, `${name}.qWeight.length`, data.qWeight.length, qRowStart * paddedOutFeatures, 'QR * Np');

  const seen = new Uint8Array(inFeatures);
  for (let k = 0; k < inFeatures; k++) {
    const feature = data.perm[k]!;
    if (feature >= inFeatures || seen[feature] === 1) {
      throw new BackendUsageError(
        op,
        `${name}.perm[${k}]`,
        feature,
        `expected a permutation of 0..${inFeatures - 1}`,
      );
    }
    seen[feature] = 1;
  }
}
