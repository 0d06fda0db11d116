import { type TensorToWrite, writeSafetensors } from '../safetensors/writer.js';

/** Writes tensors to an in-memory safetensors file. */
export async function safetensorsBytes(
  tensors: TensorToWrite[],
  metadata?: Record<string, string>,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  await writeSafetensors(
    { write: (chunk) => void chunks.push(chunk.slice()) },
    tensors,
    metadata ? { metadata } : {},
  );
  const out = new Uint8Array(chunks.reduce((sum, chunk) => sum + chunk.byteLength, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Builds a safetensors file from a raw header object and a data section, bypassing the writer's checks. */
export function rawSafetensors(
  header: unknown,
  data: Uint8Array = new Uint8Array(0),
  headerLength?: number,
): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLength ?? json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Deterministic normal samples (Box-Muller over a xorshift generator) for tests. */
export function normalSamples(count: number, seed: number, std = 0.02): Float32Array {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) + 0.5) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++)
    out[i] = std * Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return out;
}
