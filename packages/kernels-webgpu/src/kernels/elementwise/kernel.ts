import { type BindingAccess, type Kernel, WGSL_WORKGROUP_INDEX, wgslHeader } from '../../gpu/kernel.js';

/** Elementwise binary operation. */
export type ElementwiseOp = 'add' | 'swiglu';

/**
 * The inputs that the output buffer aliases. WebGPU rejects a writable binding that overlaps another binding
 * of the same dispatch, so an aliased input is read from the output binding instead.
 */
export type ElementwiseAlias = 'none' | 'a' | 'b' | 'ab';

/** Spec of {@link elementwiseKernel}. */
export interface ElementwiseSpec {
  op: ElementwiseOp;
  alias: ElementwiseAlias;
}

/** Invocations per workgroup; each handles one element. */
export const ELEMENTWISE_WORKGROUP_SIZE = 256;

const EXPRESSIONS: Record<ElementwiseOp, string> = {
  add: 'va + vb',
  // silu(a) * b with silu(a) = a * sigmoid(a).
  swiglu: '(va / (1.0 + exp(-va))) * vb',
};

function bindingNames(alias: ElementwiseAlias): { name: string; access: BindingAccess }[] {
  switch (alias) {
    case 'none':
      return [
        { name: 'a', access: 'read' },
        { name: 'b', access: 'read' },
        { name: 'result', access: 'read_write' },
      ];
    case 'a':
      return [
        { name: 'result', access: 'read_write' },
        { name: 'b', access: 'read' },
      ];
    case 'b':
      return [
        { name: 'a', access: 'read' },
        { name: 'result', access: 'read_write' },
      ];
    case 'ab':
      return [{ name: 'result', access: 'read_write' }];
  }
}

/** `result[i] = op(a[i], b[i])` for `i < count`; one invocation per element. */
export const elementwiseKernel: Kernel<ElementwiseSpec> = {
  name: 'elementwise',
  bindings: (spec) => bindingNames(spec.alias).map((binding) => binding.access),
  wgsl(spec) {
    const bindings = bindingNames(spec.alias).map((binding) => ({ ...binding, type: 'array<f32>' }));
    const readA = spec.alias === 'a' || spec.alias === 'ab' ? 'result[i]' : 'a[i]';
    const readB = spec.alias === 'b' || spec.alias === 'ab' ? 'result[i]' : 'b[i]';
    return `${wgslHeader('  count: u32,', bindings)}
${WGSL_WORKGROUP_INDEX}

@compute @workgroup_size(${ELEMENTWISE_WORKGROUP_SIZE})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = workgroupIndex(wid, groups) * ${ELEMENTWISE_WORKGROUP_SIZE}u + lid;
  if (i >= params.count) {
    return;
  }
  let va = ${readA};
  let vb = ${readB};
  result[i] = ${EXPRESSIONS[spec.op]};
}
`;
  },
};
