/*
 * The single entry point every thread calls: thread `index` of `count` takes ranges of one job until none
 * is left.
 */
#include "common.h"

/* Runs items [begin, end) of a job on thread `index`. */
static void run_range(const Job* job, int32_t begin, int32_t end, int32_t index) {
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

/* Blocks per activation scale of this build (CHUNK_BLOCKS), which sizes the scale arrays. */
EXPORT("chunk_blocks")
int32_t chunk_blocks(void) {
  return CHUNK_BLOCKS;
}

EXPORT("run_job")
void run_job(Job* job, int32_t index, int32_t count) {
  if (count == 1) {
    run_range(job, 0, job->items, index);
    return;
  }
  int32_t grain = job->grain > 0 ? job->grain : 1;
  for (;;) {
    int32_t begin = __atomic_fetch_add(&job->next_item, grain, __ATOMIC_RELAXED);
    if (begin >= job->items) {
      return;
    }
    int32_t end = job->items - begin < grain ? job->items : begin + grain;
    run_range(job, begin, end, index);
  }
}

