import type { CommandSpec } from '../args/command.js';
import { chatCommand } from './chat.js';
import { convertCommand } from './convert.js';
import { generateCommand } from './generate.js';
import { inspectCommand } from './inspect.js';
import { promptCommand } from './prompt.js';
import { pullCommand } from './pull.js';
import { serveCommand } from './serve.js';
import { tokenizeCommand } from './tokenize.js';

/**
 * Every `minichat` subcommand, in the order the main help lists them. A new command (such as a
 * server) only needs an entry here.
 */
export const commands: readonly CommandSpec[] = [
  chatCommand,
  generateCommand,
  serveCommand,
  pullCommand,
  inspectCommand,
  tokenizeCommand,
  promptCommand,
  convertCommand,
];
