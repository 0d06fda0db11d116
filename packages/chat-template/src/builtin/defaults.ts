import type { RenderOptions, StopConditions } from '../types.js';

/** BOS text of LLaMA-family tokenizers (id 1). */
export const LLAMA_BOS_TOKEN = '<s>';
/** EOS text of LLaMA-family tokenizers (id 2). */
export const LLAMA_EOS_TOKEN = '</s>';
/** EOS id of LLaMA-family tokenizers, MiniChat included. */
export const LLAMA_EOS_TOKEN_ID = 2;

/** {@link RenderOptions} with every default applied. */
export interface ResolvedRenderOptions {
  addGenerationPrompt: boolean;
  systemPrompt: string | undefined;
  allowSpecialInContent: boolean;
  bosToken: string;
  eosToken: string;
}

/** Applies the documented defaults of {@link RenderOptions}, given the template's BOS and EOS text. */
export function resolveRenderOptions(
  options: RenderOptions | undefined,
  tokens: { bosToken: string; eosToken: string } = { bosToken: LLAMA_BOS_TOKEN, eosToken: LLAMA_EOS_TOKEN },
): ResolvedRenderOptions {
  return {
    addGenerationPrompt: options?.addGenerationPrompt ?? true,
    systemPrompt: options?.systemPrompt,
    allowSpecialInContent: options?.allowSpecialInContent ?? false,
    bosToken: options?.bosToken ?? tokens.bosToken,
    eosToken: options?.eosToken ?? tokens.eosToken,
  };
}

/** Stop conditions of a template that stops at LLaMA's EOS only. */
export function llamaEosStop(stopStrings: string[] = []): StopConditions {
  return { eosTokenIds: [LLAMA_EOS_TOKEN_ID], stopStrings };
}
