import { createChatMlTemplate } from './builtin/chatml.js';
import { createLlama2Template } from './builtin/llama2.js';
import { createMiniChatTemplate } from './builtin/minichat.js';
import { createVicunaTemplate } from './builtin/vicuna.js';
import { UnknownTemplateError } from './errors.js';
import type { ChatTemplate } from './types.js';

/** Name of a template that ships with this package. */
export type BuiltinTemplateName = 'minichat' | 'llama-2' | 'chatml' | 'vicuna';

const factories: Record<BuiltinTemplateName, () => ChatTemplate> = {
  minichat: createMiniChatTemplate,
  'llama-2': createLlama2Template,
  chatml: createChatMlTemplate,
  vicuna: createVicunaTemplate,
};

/** Names accepted by {@link builtinTemplate}. */
export const builtinTemplateNames: readonly BuiltinTemplateName[] = Object.freeze(
  Object.keys(factories) as BuiltinTemplateName[],
);

/**
 * Returns a built-in template: `minichat` (MiniChat-2-3B), `llama-2` (Llama-2 chat), `chatml` or
 * `vicuna` (v1.1). Use it for models whose `tokenizer_config.json` has no `chat_template`.
 *
 * @throws {@link UnknownTemplateError} listing the valid names.
 */
export function builtinTemplate(name: BuiltinTemplateName): ChatTemplate {
  if (!Object.hasOwn(factories, name)) {
    throw new UnknownTemplateError(String(name), builtinTemplateNames);
  }
  return factories[name]();
}
