import { splitConversation } from '../conversation.js';
import { InvalidConversationError } from '../errors.js';
import { PromptBuilder } from '../prompt-builder.js';
import type { ChatMessage, ChatTemplate, RenderedPrompt, RenderOptions } from '../types.js';
import { llamaEosStop, resolveRenderOptions } from './defaults.js';

/**
 * Renders Meta's Llama-2 chat format (`chat_completion` in Meta's `llama` repository):
 * `<s>[INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {assistant} </s><s>[INST] {user} [/INST]`.
 * Meta strips every message, so this does too. The first `<s>` is left out because the tokenizer adds
 * BOS itself. The format has no assistant header, so `addGenerationPrompt` changes nothing.
 */
function renderLlama2(messages: readonly ChatMessage[], options?: RenderOptions): RenderedPrompt {
  const resolved = resolveRenderOptions(options);
  const { system, turns } = splitConversation(messages, resolved.systemPrompt, undefined);

  turns.forEach((turn, turnIndex) => {
    const expected = turnIndex % 2 === 0 ? 'user' : 'assistant';
    if (turn.role !== expected) {
      const index = messages.indexOf(turn);
      throw new InvalidConversationError(
        `Message ${index} is a ${turn.role} message, but the llama-2 template needs user and assistant ` +
          'messages to alternate, starting with user. Merge or reorder the messages.',
        index,
      );
    }
  });

  const builder = new PromptBuilder(resolved.allowSpecialInContent);
  for (let index = 0; index < turns.length; index += 2) {
    const user = turns[index]!;
    const assistant = turns[index + 1];

    if (index > 0) {
      builder.markup(resolved.bosToken);
    }
    builder.markup('[INST] ');
    if (index === 0 && system) {
      builder.markup('<<SYS>>\n');
      builder.append(system.text, system.isTemplateDefault || resolved.allowSpecialInContent);
      builder.markup('\n<</SYS>>\n\n');
    }
    builder.content(user.content.trim());
    builder.markup(' [/INST]');

    if (assistant) {
      builder.markup(' ');
      builder.content(assistant.content.trim());
      builder.markup(` ${resolved.eosToken}`);
    }
  }
  return builder.build();
}

/** Creates the built-in `llama-2` template (Llama-2 chat models), which has no default system prompt. */
export function createLlama2Template(): ChatTemplate {
  return { name: 'llama-2', render: renderLlama2, stop: llamaEosStop() };
}
