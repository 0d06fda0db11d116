/** EXL2 bit widths the kernels decode. */
export const EXL2_BIT_WIDTHS = [8, 6, 5, 4, 3, 2] as const;

/**
 * Block geometry of one bit width: the smallest run of whole 32-bit words that holds a whole number of
 * codes. Codes are an LSB-first bit stream down each column, so code i of a block starts at stream bit
 * `i * bits` and may straddle two words (3, 5 and 6 bits).
 */
export function blockShape(bits: number): { words: number; codes: number } {
  let common = 32;
  while (common % bits !== 0) common += 32;
  return { words: common / 32, codes: common / bits };
}

/**
 * WGSL expressions for the signed values of every code of one block, read from the words `w0, w1, …`
 * (already loaded) as `f32(code) - 2^(bits-1)`. Shifts are constants, so the compiler gets straight-line
 * bit arithmetic.
 */
export function blockValueExpressions(bits: number): string[] {
  const { codes } = blockShape(bits);
  const mask = (1 << bits) - 1;
  const zeroPoint = 2 ** (bits - 1);
  const values: string[] = [];
  for (let i = 0; i < codes; i++) {
    const bit = i * bits;
    const word = Math.floor(bit / 32);
    const shift = bit % 32;
    let code: string;
    if (shift + bits <= 32) {
      code = shift === 0 ? `(w${word} & ${mask}u)` : `((w${word} >> ${shift}u) & ${mask}u)`;
    } else {
      code = `(((w${word} >> ${shift}u) | (w${word + 1} << ${32 - shift}u)) & ${mask}u)`;
    }
    values.push(`f32${code} - ${zeroPoint}.0`);
  }
  return values;
}
