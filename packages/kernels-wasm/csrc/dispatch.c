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

/* Returns how many bytes past a layer's codes a one-row EXL2 product reads (READ_AHEAD_BYTES). */
EXPORT("read_ahead_bytes")
int32_t read_ahead_bytes(void) {
  return READ_AHEAD_BYTES;
}

/*
 * Guided scheduling: each range is a share of the items still left (1 / (2 * count)), at least
 * `job->grain` and rounded up to an even size. Early ranges are large, so there are few of them, and the
 * last ones are small, so the threads finish close together.
 */
EXPORT("run_job")
void run_job(Job* job, int32_t index, int32_t count) {
  if (count == 1) {
    run_range(job, 0, job->items, index);
    return;
  }
  int32_t grain = job->grain > 0 ? job->grain : 1;
  int32_t begin = __atomic_load_n(&job->next_item, __ATOMIC_RELAXED);
  for (;;) {
    int32_t left = job->items - begin;
    if (left <= 0) {
      return;
    }
    int32_t size = left / (2 * count);
    size = size < grain ? grain : size;
    /* Even sizes let the one-row EXL2 product pair every tile of a range (see exl2_matmul_quantized). */
    size += size & 1;
    size = size > left ? left : size;
    /* On failure `begin` is reloaded with the current cursor and the share is computed again. */
    if (__atomic_compare_exchange_n(&job->next_item, &begin, begin + size, 1, __ATOMIC_RELAXED,
                                    __ATOMIC_RELAXED)) {
      run_range(job, begin, begin + size, index);
      begin = __atomic_load_n(&job->next_item, __ATOMIC_RELAXED);
    }
  }
}

