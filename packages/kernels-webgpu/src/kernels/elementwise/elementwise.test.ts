import { describe, expect, test } from 'vitest';
import { activationOf, expectCloseTo, useBackend } from '../../test-utils/backend.js';

const backend = useBackend();

// silu(g) * u with silu(g) = g / (1 + e^-g): silu(1) = 0.7310586, silu(-2) = -0.2384058.
const GATE = [0, 1, -2, 3];
const UP = [5, 2, 1, -1];
const SWIGLU = [0, 1.4621172, -0.2384058, -2.8577223];

describe('elementwise kernel', () => {
  test('add into a third activation', async () => {
    const a = activationOf(backend(), 2, [1, 2, 3, 4]);
    const b = activationOf(backend(), 2, [10, 20, 30, 40]);
    const out = backend().createActivation(2, 2);
    backend().add(a, b, out, 2);
    expectCloseTo(await backend().readActivation(out, 0, 2), [11, 22, 33, 44]);
  });

  test('add only the first rows', async () => {
    const a = activationOf(backend(), 2, [1, 2, 3, 4]);
    const b = activationOf(backend(), 2, [10, 20, 30, 40]);
    backend().add(a, b, a, 1);
    expectCloseTo(await backend().readActivation(a, 0, 2), [11, 22, 3, 4]);
  });

  test('add with every alias', async () => {
    const a = activationOf(backend(), 1, [1, 2]);
    const b = activationOf(backend(), 1, [10, 20]);
    backend().add(a, b, b, 1);
    expectCloseTo(await backend().readActivation(b, 0, 1), [11, 22]);
    backend().add(b, b, b, 1);
    expectCloseTo(await backend().readActivation(b, 0, 1), [22, 44]);
    backend().add(a, a, b, 1);
    expectCloseTo(await backend().readActivation(b, 0, 1), [2, 4]);
  });

  test('swiglu on hand values', async () => {
    const gate = activationOf(backend(), 1, GATE);
    const up = activationOf(backend(), 1, UP);
    const out = backend().createActivation(1, 4);
    backend().swiglu(gate, up, out, 1);
    expectCloseTo(await backend().readActivation(out, 0, 1), SWIGLU, 1e-6);
  });

  test('swiglu in place over gate and over up', async () => {
    const gate = activationOf(backend(), 1, GATE);
    const up = activationOf(backend(), 1, UP);
    backend().swiglu(gate, up, gate, 1);
    expectCloseTo(await backend().readActivation(gate, 0, 1), SWIGLU, 1e-6);
    const gate2 = activationOf(backend(), 1, GATE);
    backend().swiglu(gate2, up, up, 1);
    expectCloseTo(await backend().readActivation(up, 0, 1), SWIGLU, 1e-6);
  });

  test('mismatched widths are rejected', () => {
    const a = backend().createActivation(1, 4);
    const b = backend().createActivation(1, 5);
    expect(() => backend().add(a, b, a, 1)).toThrow(/add b\.cols \(5\): expected 4 \(a\.cols\)/);
  });
});
