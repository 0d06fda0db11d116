import { splitConversation } from '../conversation.js';
import { PromptBuilder } from '../prompt-builder.js';
import type { ChatMessage, ChatTemplate, RenderedPrompt, RenderOptions } from '../types.js';
import { llamaEosStop, resolveRenderOptions } from './defaults.js';

/** Vicuna v1.1's system prompt (FastChat template `vicuna_v1.1`). */
export const VICUNA_SYSTEM_PROMPT =
  'A chat between a curious user and an artificial intelligence assistant. ' +
  "The assistant gives helpful, detailed, and polite answers to the user's questions.";

/**
 * Renders Vicuna v1.1: `{system} USER: {user} ASSISTANT: {assistant}</s>USER: {user} ASSISTANT:`.
 * A user turn ends with a space and an assistant turn with `</s>`, as FastChat's `ADD_COLON_TWO` style.
 */
function renderVicuna(messages: readonly ChatMessage[], options?: RenderOptions): RenderedPrompt {
  const resolved = resolveRenderOptions(options);
  const { system, turns } = splitConversation(messages, resolved.systemPrompt, VICUNA_SYSTEM_PROMPT);
  const builder = new PromptBuilder(resolved.allowSpecialInContent);

  if (system && system.text !== '') {
    builder.append(system.text, system.isTemplateDefault || resolved.allowSpecialInContent);
    builder.markup(' ');
  }
  for (const turn of turns) {
    builder.markup(turn.role === 'user' ? 'USER: ' : 'ASSISTANT: ');
    builder.content(turn.content);
    builder.markup(turn.role === 'user' ? ' ' : resolved.eosToken);
  }
  if (resolved.addGenerationPrompt) {
    builder.markup('ASSISTANT:');
  }
  return builder.build();
}

/** Creates the built-in `vicuna` template (Vicuna v1.1 and v1.5), stopping at EOS (id 2) only. */
export function createVicunaTemplate(): ChatTemplate {
  return { name: 'vicuna', render: renderVicuna, stop: llamaEosStop() };
}
