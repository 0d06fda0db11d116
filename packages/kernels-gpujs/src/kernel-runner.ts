import {
  CPUKernel,
  type GPU,
  HeadlessGLKernel,
  type IKernelRunShortcut,
  Input,
  type Texture,
  WebAssemblyKernel,
  WebGL2Kernel,
  WebGLKernel,
} from 'gpu.js';

/**
 * A two-dimensional weight, `shape = [columns, rows]`, as kernels read it: a texture that stays on the GPU
 * in the WebGL modes, or the flat array itself in the others.
 */
export type ResidentGrid = { data: Float32Array; shape: number[] } | { texture: Texture; shape: number[] };

/** An argument of a kernel call: a scalar, a flat 1D array, a flat array read as `[z][y][x]`, or a texture. */
export type KernelArgument = number | Float32Array | ResidentGrid;

/** Modes whose kernels read textures, so weights can stay on the GPU between calls. */
const TEXTURE_MODES = new Set(['webgl2', 'webgl', 'headlessgl']);

/** Copies a `[rows][columns]` argument into the output texture of a pipeline kernel. */
function copyGridKernel(this: { thread: { x: number; z: number } }, grid: number[][]): number {
  // biome-ignore lint/suspicious/noExtraNonNullAssertion: one assertion per index level.
  return grid[this.thread.z]![this.thread.x]!;
}

/** Compiled kernels kept at once; the least recently used one is destroyed beyond this. */
const MAX_CACHED_KERNELS = 256;

/** Settings every kernel is compiled with: f32 textures in the WebGL modes. */
const KERNEL_SETTINGS = { precision: 'single', tactic: 'precision' } as const;

/**
 * Compiles gpu.js kernels on first use and reuses them. A compiled kernel is fixed to its output size,
 * constants and argument sizes, so all of them are part of the cache key. A model has few distinct
 * shapes, so few kernels are compiled.
 */
export class KernelRunner {
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  /** Upload kernels by shape; never evicted, because gpu.js ties their textures to them. */
  private readonly uploadKernels = new Map<string, IKernelRunShortcut>();

  constructor(
    private readonly gpu: GPU,
    private readonly mode: string,
  ) {}

  /**
   * Uploads a weight `[rows][columns]` once. In the WebGL modes it becomes a texture that later kernels
   * read without another upload; elsewhere the array is kept as it is.
   */
  upload(data: Float32Array, shape: [number, number]): ResidentGrid {
    if (!TEXTURE_MODES.has(this.mode)) return { data, shape };
    const output = [shape[0], 1, shape[1]];
    const key = output.join('x');
    let kernel = this.uploadKernels.get(key);
    if (kernel === undefined) {
      // immutable: every call returns a new texture instead of overwriting the previous one.
      kernel = this.gpu.createKernel(copyGridKernel.toString(), {
        ...KERNEL_SETTINGS,
        output,
        pipeline: true,
        immutable: true,
      });
      this.uploadKernels.set(key, kernel);
    }
    const texture = kernel(new Input(data as unknown as number[], shape)) as unknown as Texture;
    return { texture, shape };
  }

  /** Frees the texture of an uploaded weight, if it has one. */
  free(grid: ResidentGrid): void {
    if ('texture' in grid) grid.texture.delete();
  }

  /**
   * Runs `source` once per element of `output` (`[x]`, `[x, y]` or `[x, y, z]`) and returns the result as
   * one flat f32 array in row-major order (x fastest). A kernel with a `[x, y]` output reads its row from
   * `this.thread.z`.
   */
  run(
    name: string,
    source: (...args: never[]) => number,
    output: number[],
    constants: Record<string, number>,
    args: KernelArgument[],
  ): Float32Array {
    // A 2D output becomes [x, 1, y]: gpu.js gives a 2D output a texture exactly x wide, and a 49216-wide
    // logits row exceeds WebGL's maximum texture size, while a 3D output gets a near-square texture.
    if (output.length === 2) output = [output[0]!, 1, output[1]!];
    const key = `${name}|${output.join('x')}|${JSON.stringify(constants)}|${args.map(describeArgument).join(',')}`;
    let kernel = this.kernels.get(key);
    if (kernel === undefined) {
      kernel = this.gpu.createKernel(source.toString(), { ...KERNEL_SETTINGS, output, constants });
      if (this.kernels.size >= MAX_CACHED_KERNELS) {
        const [oldestKey, oldest] = this.kernels.entries().next().value!;
        oldest.destroy();
        this.kernels.delete(oldestKey);
      }
    } else {
      this.kernels.delete(key);
    }
    // Map order is insertion order, so re-inserting keeps the most recently used kernel last.
    this.kernels.set(key, kernel);
    const values = args.map((arg) => {
      if (typeof arg === 'number' || arg instanceof Float32Array) return arg;
      if ('texture' in arg) return arg.texture;
      return new Input(arg.data as unknown as number[], arg.shape as [number, number]);
    });
    return flatten(kernel(...values), output);
  }

  /**
   * Lists the gpu.js engines (`webgl2`, `webasm`, `cpu` and so on) that the compiled kernels run on. gpu.js
   * moves a kernel it cannot build in the requested mode to its CPU fallback, which then shows up as `cpu`.
   */
  engines(): string[] {
    const engines = new Set<string>();
    for (const kernel of [...this.kernels.values(), ...this.uploadKernels.values()]) {
      engines.add(modeOfKernelClass(kernel.kernel.constructor));
    }
    return [...engines].sort();
  }

  /** Frees every compiled kernel. */
  dispose(): void {
    for (const kernel of this.kernels.values()) kernel.destroy();
    this.kernels.clear();
    for (const kernel of this.uploadKernels.values()) kernel.destroy();
    this.uploadKernels.clear();
  }
}

/** Returns the mode name of a gpu.js kernel class, because gpu.js's own `mode` is `gpu` for every WebGL kernel. */
export function modeOfKernelClass(kernelClass: unknown): string {
  const modes: [unknown, string][] = [
    [HeadlessGLKernel, 'headlessgl'],
    [WebGL2Kernel, 'webgl2'],
    [WebGLKernel, 'webgl'],
    [WebAssemblyKernel, 'webasm'],
    [CPUKernel, 'cpu'],
  ];
  const match = modes.find(([type]) => kernelClass === type);
  return match === undefined ? String((kernelClass as { name?: unknown }).name) : match[1];
}

function describeArgument(arg: KernelArgument): string {
  if (typeof arg === 'number') return 'n';
  if (arg instanceof Float32Array) return String(arg.length);
  return `${'texture' in arg ? 't' : 'a'}${arg.shape.join('x')}`;
}

/** Copies a gpu.js result (a typed array, or nested arrays of rows) into one flat array. */
function flatten(result: unknown, output: number[]): Float32Array {
  const total = output.reduce((product, size) => product * size, 1);
  if (result instanceof Float32Array && result.length === total) return result;
  const flat = new Float32Array(total);
  const width = output[0]!;
  let offset = 0;
  const visit = (value: unknown): void => {
    if (ArrayBuffer.isView(value) || typeof (value as unknown[])[0] === 'number') {
      const row = value as ArrayLike<number>;
      for (let i = 0; i < width; i++) flat[offset + i] = row[i]!;
      offset += width;
      return;
    }
    for (const inner of value as unknown[]) visit(inner);
  };
  visit(result);
  return flat;
}
