import { splitConversation } from '../conversation.js';
import { PromptBuilder } from '../prompt-builder.js';
import type { ChatMessage, ChatTemplate, RenderedPrompt, RenderOptions } from '../types.js';
import { llamaEosStop, resolveRenderOptions } from './defaults.js';

/**
 * MiniChat's system prompt without its closing `</s>`, as in GeneZC/MiniMA `conversation.py`
 * (template `minichat`). Its punctuation is full-width: U+2018, U+2019, U+3002 and U+FF0C.
 */
export const MINICHAT_SYSTEM_PROMPT =
  '\u2018MiniChat\u2019是一个由\u2018Beccurio\u2019开发的AI语言模型\u3002下面是人类和MiniChat之间的一段对话\u3002' +
  'MiniChat的回复应当尽可能详细\uFF0C并且以Markdown的形式输出\u3002MiniChat应当拒绝参与违背伦理的讨论\u3002';

const USER_ROLE = '[|User|]';
const ASSISTANT_ROLE = '[|Assistant|]';

/**
 * Renders the MiniChat format: the system text and `</s>`, then `role + ' ' + content + '</s>'` per
 * message with nothing between turns, then the bare `[|Assistant|]` when a generation prompt is wanted.
 * The role prefixes contain no special tokens, so they are markup with special tokens allowed.
 */
function renderMiniChat(messages: readonly ChatMessage[], options?: RenderOptions): RenderedPrompt {
  const resolved = resolveRenderOptions(options);
  const { system, turns } = splitConversation(messages, resolved.systemPrompt, MINICHAT_SYSTEM_PROMPT);
  const builder = new PromptBuilder(resolved.allowSpecialInContent);

  // The conversation.py template always has a system text, so `system` is never undefined here.
  if (system) {
    builder.append(system.text, system.isTemplateDefault || resolved.allowSpecialInContent);
    builder.markup(resolved.eosToken);
  }

  for (const turn of turns) {
    builder.markup(`${turn.role === 'user' ? USER_ROLE : ASSISTANT_ROLE} `);
    builder.content(turn.content);
    builder.markup(resolved.eosToken);
  }

  if (resolved.addGenerationPrompt) {
    builder.markup(ASSISTANT_ROLE);
  }
  return builder.build();
}

/** Creates the built-in `minichat` template: MiniChat-2-3B's training format, stopping at EOS (id 2) only. */
export function createMiniChatTemplate(): ChatTemplate {
  return {
    name: 'minichat',
    render: renderMiniChat,
    stop: llamaEosStop(),
    defaultSystemPrompt: MINICHAT_SYSTEM_PROMPT,
  };
}
