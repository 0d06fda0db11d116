import { splitConversation } from '../conversation.js';
import { PromptBuilder } from '../prompt-builder.js';
import type { ChatMessage, ChatTemplate, RenderedPrompt, RenderOptions } from '../types.js';
import { llamaEosStop, resolveRenderOptions } from './defaults.js';

const IM_START = '<|im_start|>';
const IM_END = '<|im_end|>';

/**
 * Renders ChatML: `<|im_start|>{role}\n{content}<|im_end|>\n` per message, then
 * `<|im_start|>assistant\n` as the generation prompt.
 */
function renderChatMl(messages: readonly ChatMessage[], options?: RenderOptions): RenderedPrompt {
  const resolved = resolveRenderOptions(options);
  const { system, turns } = splitConversation(messages, resolved.systemPrompt, undefined);
  const builder = new PromptBuilder(resolved.allowSpecialInContent);

  if (system) {
    builder.markup(`${IM_START}system\n`);
    builder.append(system.text, system.isTemplateDefault || resolved.allowSpecialInContent);
    builder.markup(`${IM_END}\n`);
  }
  for (const turn of turns) {
    builder.markup(`${IM_START}${turn.role}\n`);
    builder.content(turn.content);
    builder.markup(`${IM_END}\n`);
  }
  if (resolved.addGenerationPrompt) {
    builder.markup(`${IM_START}assistant\n`);
  }
  return builder.build();
}

/**
 * Creates the built-in `chatml` template. ChatML's `<|im_end|>` has a different id in every model that
 * adds it, so it stops by string, besides LLaMA's EOS id 2.
 */
export function createChatMlTemplate(): ChatTemplate {
  return { name: 'chatml', render: renderChatMl, stop: llamaEosStop([IM_END]) };
}
