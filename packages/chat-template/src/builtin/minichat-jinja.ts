import { MINICHAT_SYSTEM_PROMPT } from './minichat.js';

/**
 * MiniChat's format as Hugging Face `chat_template` Jinja source: the system text and `</s>` always, then
 * `'[|' + role.capitalize() + '|] ' + content + '</s>'` per message, then `[|Assistant|]` when
 * `add_generation_prompt` is set. It emits no BOS because the tokenizer adds it. Put it into a
 * `tokenizer_config.json` that lacks one, or pass it to {@link jinjaTemplate}; it renders the same
 * text as `builtinTemplate('minichat')` for user and assistant messages.
 */
export const MINICHAT_CHAT_TEMPLATE =
  `{{ '${MINICHAT_SYSTEM_PROMPT}</s>' }}` +
  "{% for message in messages %}{{ '[|' + message['role'].capitalize() + '|] ' + message['content'] + '</s>' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '[|Assistant|]' }}{% endif %}";
