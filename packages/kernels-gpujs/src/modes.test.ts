import { GPU } from 'gpu.js';
import { describe, expect, test } from 'vitest';
import { UnavailableModeError } from './errors.js';
import { createGpuJsBackend } from './gpujs-backend.js';
import { availableGpuJsModes, type GpuJsMode, resolveGpuJsMode } from './modes.js';

describe('mode selection', () => {
  test('Node has webasm and cpu', () => {
    const modes = availableGpuJsModes();
    expect(modes).toContain('webasm');
    expect(modes.at(-1)).toBe('cpu');
    expect(modes).not.toContain('webgl2');
  });

  test('auto picks the best available mode', () => {
    const backend = createGpuJsBackend();
    expect(backend.mode).toBe(availableGpuJsModes()[0]);
    expect(backend.name).toBe(`gpujs-${backend.mode}`);
    backend.dispose();
  });

  test('unavailable mode lists the available ones', () => {
    const error = (() => {
      try {
        createGpuJsBackend({ mode: 'webgl2' });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UnavailableModeError);
    expect(UnavailableModeError.isInstance(error)).toBe(true);
    const { requested, available } = error as UnavailableModeError;
    expect(requested).toBe('webgl2');
    expect(available).toEqual(availableGpuJsModes());
    expect((error as Error).message).toMatch(
      /mode "webgl2" is not available.*Available modes: .*webasm, cpu/,
    );
  });

  test('unknown mode is rejected', () => {
    expect(() => resolveGpuJsMode('opengl' as GpuJsMode)).toThrow(/mode "opengl" is not available/);
  });

  test('given gpu sets the mode', () => {
    const gpu = new GPU({ mode: 'cpu' });
    const backend = createGpuJsBackend({ gpu, mode: 'webasm' });
    expect(backend.mode).toBe('cpu');
    backend.dispose();
    // dispose() leaves a caller's instance usable.
    const kernel = gpu.createKernel('function () { return this.thread.x * 2; }', { output: [3] });
    expect(Array.from(kernel() as Float32Array)).toEqual([0, 2, 4]);
    gpu.destroy();
  });
});
