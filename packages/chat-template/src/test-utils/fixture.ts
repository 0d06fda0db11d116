import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatMessage } from '../types.js';

/** One case of `minichat/chat-template-cases.json`. */
export interface MiniChatFixtureCase {
  name: string;
  hf_messages: ChatMessage[];
  expected_prompt: string;
  expected_prompt_utf8_bytes: number;
}

/** The fields of `minichat/chat-template-cases.json` that the tests use. */
export interface MiniChatFixture {
  system_text: string;
  system_text_chars: number;
  system_text_utf8_bytes: number;
  cases: MiniChatFixtureCase[];
}

/** Reads the MiniChat prompt cases from the shared fixtures folder named by `MINICHAT_FIXTURES`. */
export function readMiniChatFixture(): MiniChatFixture {
  const fixturesDir = process.env.MINICHAT_FIXTURES;
  if (!fixturesDir) {
    throw new Error('MINICHAT_FIXTURES is not set; run the tests through vitest with the shared config.');
  }
  const path = join(fixturesDir, 'minichat/chat-template-cases.json');
  return JSON.parse(readFileSync(path, 'utf8')) as MiniChatFixture;
}

/** Returns the UTF-8 length of `text` in bytes. */
export function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
