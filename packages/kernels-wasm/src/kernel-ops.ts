/** Operation codes of the job block; they match the enum in `csrc/common.h`. */
export const KernelOp = {
  exl2Repack: 1,
  exl2Quantize: 2,
  exl2Gather: 3,
  exl2MatmulQuantized: 4,
  exl2MatmulF32: 5,
  denseMatmul: 6,
  kvStore: 7,
  attention: 8,
  rmsNorm: 9,
  swiglu: 10,
  add: 11,
} as const;

/** Int32 argument slots of a job block (`JOB_ARGS` in `csrc/common.h`). */
export const JOB_ARG_SLOTS = 14;

/** Bytes of a job block: op, item count, the argument slots, the next free item and the grain. */
export const JOB_BYTES = (4 + JOB_ARG_SLOTS) * 4;

/**
 * Sets the smallest range of a parallel job: items / (threads * RANGES_PER_THREAD). Threads take a share of
 * what is left (see `run_job` in csrc/dispatch.c), so ranges shrink toward this size at the end of a job.
 */
export const RANGES_PER_THREAD = 32;

/** Rows per quantized activation block and per weight tile block (`BLOCK_ROWS`). */
export const BLOCK_ROWS = 32;

/** Output columns per weight tile (`TILE_COLS`). */
export const TILE_COLS = 4;

/** Int32 fields of the `Exl2Layer` descriptor. */
export const EXL2_LAYER_FIELDS = 12;

/** Bytes of one `Exl2Group` entry: bits, blocks, offset, scale_max. */
export const EXL2_GROUP_BYTES = 16;
