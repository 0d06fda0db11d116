import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FIXTURES } from './stories260k.js';

/** llama2.c's published greedy output of stories260K: 200 tokens from BOS. */
export interface GreedyExpectation {
  /** Generated token ids, without the BOS prompt. */
  tokens: number[];
  /** Their text as llama2.c prints it. */
  text: string;
}

/** Reads the `greedy_200` case of `llama2c/stories260K-expected.json`. */
export async function readGreedyExpectation(): Promise<GreedyExpectation> {
  const json = JSON.parse(await readFile(join(FIXTURES, 'llama2c', 'stories260K-expected.json'), 'utf8')) as {
    cases: { name: string; expected_token_ids: number[]; expected_text: string }[];
  };
  const greedy = json.cases.find((entry) => entry.name === 'greedy_200');
  if (greedy === undefined) throw new Error('stories260K-expected.json has no greedy_200 case.');
  return { tokens: greedy.expected_token_ids.slice(1), text: greedy.expected_text };
}
