/**
 * WebGPU flag values, fixed by the WebGPU specification. They are repeated here so the package does not
 * depend on the `GPUBufferUsage` globals, which Dawn for Node only installs on request.
 */
export const BufferUsage = {
  MAP_READ: 0x0001,
  COPY_SRC: 0x0004,
  COPY_DST: 0x0008,
  UNIFORM: 0x0040,
  STORAGE: 0x0080,
  QUERY_RESOLVE: 0x0200,
} as const;

/** `GPUMapMode.READ`. */
export const MAP_MODE_READ = 0x0001;

/** `GPUShaderStage.COMPUTE`. */
export const SHADER_STAGE_COMPUTE = 0x4;

/** Usage of every storage buffer the backend creates: bindable, writable from the host, copyable. */
export const STORAGE_USAGE = BufferUsage.STORAGE | BufferUsage.COPY_DST | BufferUsage.COPY_SRC;

/**
 * Bytes of parameters one dispatch may read. Parameters of every dispatch of a submission live in one
 * arena buffer bound with a dynamic offset and this fixed size, so the embedding gather sends at most
 * this many bytes of token ids per dispatch and splits longer inputs.
 */
export const PARAM_BLOCK_BYTES = 8192;

/** Bytes of parameters collected before the recorded work is submitted early (about 1000 dispatches). */
export const PARAM_ARENA_BYTES = 256 * 1024;

/** Timestamp queries per submission when timings are on (two per dispatch). */
export const TIMESTAMP_QUERY_CAPACITY = 2048;
