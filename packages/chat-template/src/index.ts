export { MINICHAT_SYSTEM_PROMPT } from './builtin/minichat.js';
export { VICUNA_SYSTEM_PROMPT } from './builtin/vicuna.js';
export { type BuiltinTemplateName, builtinTemplate, builtinTemplateNames } from './builtin-template.js';
export * from './errors.js';
export type * from './types.js';
