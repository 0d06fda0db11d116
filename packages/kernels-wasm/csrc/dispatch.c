/* The single entry point every thread calls: runs worker `index` of `count`'s share of one job. */
#include "common.h"

/* Blocks per activation scale of this build (CHUNK_BLOCKS), which sizes the scale arrays. */
EXPORT("chunk_blocks")
int32_t chunk_blocks(void) {
  return CHUNK_BLOCKS;
}

EXPORT("run_job")
void run_job(const Job* job, int32_t index, int32_t count) {
  int32_t begin;
  int32_t end;
  split_range(job->items, index, count, &begin, &end);
  if (begin >= end) {
    return;
  }
  switch (job->op) {
    case OP_EXL2_REPACK:
      exl2_repack(job, begin, end);
      break;
    case OP_EXL2_QUANTIZE:
      exl2_quantize(job, begin, end);
      break;
    case OP_EXL2_GATHER:
      exl2_gather(job, begin, end);
      break;
    case OP_EXL2_MATMUL_QUANTIZED:
      exl2_matmul_quantized(job, begin, end);
      break;
    case OP_EXL2_MATMUL_F32:
      exl2_matmul_f32(job, begin, end);
      break;
    case OP_DENSE_MATMUL:
      dense_matmul(job, begin, end);
      break;
    case OP_KV_STORE:
      kv_store(job, begin, end);
      break;
    case OP_ATTENTION:
      attention(job, begin, end, index);
      break;
    case OP_RMS_NORM:
      rms_norm(job, begin, end);
      break;
    case OP_SWIGLU:
      swiglu(job, begin, end);
      break;
    case OP_ADD:
      add(job, begin, end);
      break;
    default:
      __builtin_trap();
  }
}
