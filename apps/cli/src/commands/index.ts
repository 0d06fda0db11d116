import type { CommandSpec } from '../args/command.js';
import { pullCommand } from './pull.js';

/**
 * Every `minichat` subcommand, in the order the main help lists them. A new command (such as a
 * server) only needs an entry here.
 */
export const commands: readonly CommandSpec[] = [pullCommand];
