import type { CliIo } from '../args/command.js';
import type { OptionSpecs, ParsedArgs } from '../args/options.js';
import { stringOption } from '../args/options.js';
import { cacheDirectory } from '../hub/cache.js';
import { hubEndpoint } from '../hub/hub-api.js';

/** Options of every command that may download from the hub. */
export const hubOptions: OptionSpecs = {
  'cache-dir': {
    type: 'string',
    valueName: 'DIR',
    description: 'Directory for downloaded models (MINICHAT_CACHE_DIR sets it too).',
    defaultText: '$XDG_CACHE_HOME/minichat, or ~/.cache/minichat',
  },
};

/** Hub connection settings read from the command line and the environment. */
export interface HubSettings {
  /** Model cache directory. */
  cacheDir: string;
  /** Hub base URL (`HF_ENDPOINT`). */
  endpoint: string;
  /** Access token (`HF_TOKEN`), when set. */
  token: string | undefined;
}

/** Reads {@link HubSettings} from `--cache-dir`, `MINICHAT_CACHE_DIR`, `HF_ENDPOINT` and `HF_TOKEN`. */
export function readHubSettings(args: ParsedArgs, io: CliIo): HubSettings {
  const token = io.env.HF_TOKEN;
  return {
    cacheDir: cacheDirectory(io.env, io.cwd, stringOption(args, 'cache-dir')),
    endpoint: hubEndpoint(io.env),
    token: token === undefined || token === '' ? undefined : token,
  };
}
