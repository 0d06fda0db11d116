import { getLlama, type Token } from 'node-llama-cpp';
import { BenchError } from '../errors.js';
import type { RunMeasurement, RunSpec } from './types.js';

/**
 * Measures llama.cpp through node-llama-cpp's prebuilt CPU binary (nothing is built or downloaded):
 * loads the GGUF file, then generates greedily from the prompt for `1 + decodeTokens` tokens on
 * `threads` threads, timed the same way as our backends.
 */
export async function measureLlamaCpp(spec: RunSpec): Promise<RunMeasurement> {
  let start = performance.now();
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' as never });
  const initMs = performance.now() - start;
  try {
    start = performance.now();
    const model = await llama.loadModel({ modelPath: spec.ggufPath });
    const context = await model.createContext({
      contextSize: spec.contextLength,
      threads: { ideal: spec.threads, min: spec.threads },
      batchSize: Math.min(512, spec.contextLength),
    });
    const loadMs = performance.now() - start;
    try {
      const sequence = context.getSequence();
      const tokens: number[] = [];
      const generationStart = performance.now();
      let firstTokenTime = 0;
      for await (const token of sequence.evaluate(spec.promptTokens as Token[], { temperature: 0 })) {
        if (tokens.length === 0) firstTokenTime = performance.now();
        tokens.push(token);
        if (tokens.length >= spec.decodeTokens + 1) break;
      }
      const end = performance.now();
      if (tokens.length < spec.decodeTokens + 1) {
        throw new BenchError(`llama.cpp stopped after ${tokens.length} of ${spec.decodeTokens + 1} tokens.`);
      }
      return {
        // The release is the llama.cpp tag node-llama-cpp's prebuilt binary records in its build metadata.
        description: `llama.cpp ${llama.llamaCppRelease.release} (node-llama-cpp prebuilt, CPU, ${spec.threads} thread(s))`,
        initMs,
        loadMs,
        prefillTokensPerSecond: spec.promptTokens.length / ((firstTokenTime - generationStart) / 1000),
        decodeTokensPerSecond: spec.decodeTokens / ((end - firstTokenTime) / 1000),
        tokens,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
        onGpu: false,
      };
    } finally {
      await context.dispose();
      await model.dispose();
    }
  } finally {
    await llama.dispose();
  }
}
