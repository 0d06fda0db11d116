import type { CommandSpec } from './command.js';
import type { OptionSpec } from './options.js';

/** Width of the help text; descriptions wrap to stay inside it. */
const HELP_WIDTH = 100;
/** Column where option descriptions start. */
const DESCRIPTION_COLUMN = 28;

/** Wraps `text` into lines of at most `width` characters (a longer single word stays whole). */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line === '') {
      line = word;
    } else if (line.length + 1 + word.length <= width) {
      line += ` ${word}`;
    } else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

/** Formats `--name VALUE, -x` for the option column. */
function optionLabel(name: string, spec: OptionSpec): string {
  const value = spec.type === 'string' ? ` ${spec.valueName ?? 'VALUE'}` : '';
  const short = spec.short === undefined ? '' : `-${spec.short}, `;
  return `${short}--${name}${value}`;
}

/** Renders one option as indented, wrapped lines. */
function renderOption(name: string, spec: OptionSpec): string[] {
  const label = `  ${optionLabel(name, spec)}`;
  const text =
    spec.defaultText === undefined ? spec.description : `${spec.description} Default: ${spec.defaultText}.`;
  const wrapped = wrapText(text, HELP_WIDTH - DESCRIPTION_COLUMN);
  const indent = ' '.repeat(DESCRIPTION_COLUMN);
  const lines: string[] = [];
  if (label.length + 2 <= DESCRIPTION_COLUMN) {
    lines.push(label.padEnd(DESCRIPTION_COLUMN) + (wrapped.shift() ?? ''));
  } else {
    lines.push(label);
  }
  for (const rest of wrapped) lines.push(indent + rest);
  return lines;
}

/** Renders the `--help` text of one command. */
export function renderCommandHelp(command: CommandSpec): string {
  const lines: string[] = [];
  command.usage.forEach((usage, index) => {
    lines.push(`${index === 0 ? 'Usage:' : '      '} minichat ${usage}`);
  });
  lines.push('');
  lines.push(...wrapText(command.description, HELP_WIDTH));
  lines.push('', 'Options:');
  for (const [name, spec] of Object.entries(command.options)) lines.push(...renderOption(name, spec));
  lines.push(
    ...renderOption('quiet', {
      type: 'boolean',
      short: 'q',
      description: 'Print no progress bars or log lines.',
    }),
  );
  lines.push(
    ...renderOption('help', { type: 'boolean', short: 'h', description: 'Print this help and exit.' }),
  );
  if (command.examples !== undefined && command.examples.length > 0) {
    lines.push('', 'Examples:');
    for (const example of command.examples) lines.push(`  minichat ${example}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Renders the top-level help: the command list and global notes. */
export function renderMainHelp(commands: readonly CommandSpec[], version: string): string {
  const nameWidth = Math.max(...commands.map((command) => command.name.length)) + 4;
  const lines = [
    `minichat ${version}: chat with MiniChat-2-3B and other LLaMA-family models (EXL2 or safetensors).`,
    '',
    'Usage: minichat COMMAND [options]',
    '       minichat COMMAND --help',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.name.padEnd(nameWidth)}${command.summary}`),
    '',
    'Results go to stdout; progress, logs and errors go to stderr.',
    'Environment: HF_ENDPOINT (hub URL, default https://huggingface.co), HF_TOKEN (hub access token),',
    'MINICHAT_CACHE_DIR (model cache, default $XDG_CACHE_HOME/minichat or ~/.cache/minichat).',
    'Exit codes: 0 ok, 1 unexpected error, 2 invalid arguments, 3 model or input missing or invalid,',
    '4 download failed, 5 checksum or size mismatch, 6 backend unavailable, 7 out of memory, 130 interrupted.',
  ];
  return `${lines.join('\n')}\n`;
}
