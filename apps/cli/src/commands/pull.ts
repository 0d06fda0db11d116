import type { CommandSpec } from '../args/command.js';
import { UsageError } from '../errors.js';
import { pullModel } from '../hub/pull.js';
import { parseRepoRef } from '../hub/repo-ref.js';
import { formatBytes } from '../progress.js';
import { hubOptions, readHubSettings } from './shared-options.js';

/** `minichat pull`: downloads a model repository revision into the cache. */
export const pullCommand: CommandSpec = {
  name: 'pull',
  summary: 'Download a model from the Hugging Face hub into the cache',
  usage: ['pull REPO[@BRANCH] [--cache-dir DIR]'],
  description:
    'Downloads every file of a hub repository revision into the model cache and prints the directory on ' +
    'stdout. Each file is checked against the size and SHA-256 (or Git blob id) the hub lists; an ' +
    'interrupted download resumes from where it stopped when the command runs again. HF_ENDPOINT sets ' +
    'the hub URL and HF_TOKEN an access token for private or gated repositories.',
  options: hubOptions,
  positionals: { min: 1, max: 1 },
  examples: ['pull cgus/MiniChat-2-3B-exl2', 'pull cgus/MiniChat-2-3B-exl2@5bpw-h8 --cache-dir ./models'],
  async run(args, context) {
    const text = args.positionals[0] ?? '';
    const ref = parseRepoRef(text);
    if (ref === undefined) {
      throw new UsageError(
        `Invalid repository '${text}'. Expected owner/name or owner/name@branch, for example cgus/MiniChat-2-3B-exl2@5bpw-h8.`,
        'pull',
      );
    }
    const hub = readHubSettings(args, context.io);
    const result = await pullModel({ ref, ...hub, signal: context.signal, log: context.log });
    context.log.info(`Done: ${formatBytes(result.downloadedBytes)} downloaded.`);
    context.io.stdout.write(`${result.directory}\n`);
    return 0;
  },
};
