import { type Exl2Tensors, openModel } from '@minichat/exl2-format';
import { directoryFiles } from '@minichat/exl2-format/node';
import { timeExl2Decode } from '../probes/exl2-decode.js';

/** Raw results of the EXL2 decode suite. */
export interface Exl2Rounds {
  /** Layers decoded per round. */
  layers: string[];
  /** Packed GB/s per round. */
  packedGigabytesPerSecond: number[];
  /** Billions of weights rebuilt per second, per round. */
  gigaweightsPerSecond: number[];
}

/** Decodes the seven linear layers of block 0 (all bit widths the model uses there) `rounds` times. */
export async function runExl2Rounds(exl2Dir: string, rounds: number): Promise<Exl2Rounds> {
  const reader = await openModel(directoryFiles(exl2Dir));
  const layers: Exl2Tensors[] = [];
  try {
    for (const prefix of reader.linearPrefixes().filter((name) => name.startsWith('model.layers.0.'))) {
      if (reader.linear(prefix).kind === 'exl2') layers.push(await reader.readExl2(prefix));
    }
  } finally {
    await reader.close();
  }
  const result: Exl2Rounds = {
    layers: layers.map((l) => l.name),
    packedGigabytesPerSecond: [],
    gigaweightsPerSecond: [],
  };
  timeExl2Decode(layers.slice(0, 1));
  for (let round = 0; round < rounds; round++) {
    const timing = timeExl2Decode(layers);
    result.packedGigabytesPerSecond.push(timing.packedGigabytesPerSecond);
    result.gigaweightsPerSecond.push(timing.gigaweightsPerSecond);
  }
  return result;
}
