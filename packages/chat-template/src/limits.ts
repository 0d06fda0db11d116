/**
 * Maximum length of a Jinja chat template source, in UTF-16 code units. Chat templates on the Hugging
 * Face Hub are a few kilobytes, the largest (with tool calling) tens of kilobytes, so one million
 * characters leaves ample room while bounding parse time and the error-position search.
 */
export const MAX_TEMPLATE_SOURCE_CHARS = 1_000_000;

/**
 * Maximum length of a `tokenizer_config.json` text, in UTF-16 code units. These files are usually a
 * few kilobytes; listing thousands of added tokens makes them a few megabytes. 32 Mi characters bounds
 * `JSON.parse` memory for untrusted input.
 */
export const MAX_TOKENIZER_CONFIG_CHARS = 32 * 1024 * 1024;

/**
 * Maximum number of named templates in a `chat_template` list. Models ship one to three (`default`,
 * `tool_use`, `rag`), so 256 only rejects input that is not a real config.
 */
export const MAX_NAMED_TEMPLATES = 256;

/**
 * Maximum size of a `tokenizer_config.json` file in bytes, checked before reading it. It matches
 * {@link MAX_TOKENIZER_CONFIG_CHARS} for the same reason.
 */
export const MAX_TOKENIZER_CONFIG_BYTES = 32 * 1024 * 1024;
