/** Access mode of one storage binding after the parameter block. */
export type BindingAccess = 'read' | 'read_write';

/**
 * A compute kernel: a WGSL generator and its binding list, both derived from one typed spec.
 *
 * Binding 0 of every kernel is the parameter block (`var<storage, read> params: Params`, bound with a
 * dynamic offset); the buffers follow at bindings 1, 2, … in the order of {@link Kernel.bindings}.
 * The pipeline cache key is {@link kernelKey} of the same spec, so two specs that render different WGSL
 * can never share a pipeline.
 */
export interface Kernel<S extends object> {
  /** Kernel name; also the timing label. */
  readonly name: string;
  /** Access of bindings 1, 2, … for this spec. */
  bindings(spec: S): readonly BindingAccess[];
  /** WGSL source for this spec. */
  wgsl(spec: S): string;
}

/** Returns the pipeline cache key of a kernel spec: the kernel name and the spec's fields in sorted order. */
export function kernelKey(name: string, spec: object): string {
  const entries = Object.entries(spec)
    .filter(([, value]) => value !== undefined)
    .sort(([a], [b]) => a.localeCompare(b, 'en'))
    .map(([field, value]) => `${field}=${JSON.stringify(value)}`);
  return `${name}(${entries.join(',')})`;
}

/**
 * WGSL lines that open a kernel: the parameter struct binding and the storage bindings, named in order.
 * `paramsStruct` is the body of `struct Params`.
 */
export function wgslHeader(
  paramsStruct: string,
  bindings: readonly { name: string; access: BindingAccess; type: string }[],
): string {
  const lines = [
    `struct Params {\n${paramsStruct}\n}`,
    '@group(0) @binding(0) var<storage, read> params: Params;',
  ];
  bindings.forEach((binding, index) => {
    lines.push(
      `@group(0) @binding(${index + 1}) var<storage, ${binding.access}> ${binding.name}: ${binding.type};`,
    );
  });
  return lines.join('\n');
}

/**
 * WGSL function that turns a 2D dispatch back into a linear workgroup index. Dispatches larger than
 * `maxComputeWorkgroupsPerDimension` are split into rows of workgroups, so kernels must bounds-check.
 */
export const WGSL_WORKGROUP_INDEX = `
fn workgroupIndex(wid: vec3<u32>, count: vec3<u32>) -> u32 {
  return wid.x + wid.y * count.x;
}`;
