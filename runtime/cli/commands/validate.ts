// `iggy-connectors validate`: prints every problem of a config with its TOML path.
import { ConfigError } from '../../config/index.js';
import { parseCommandArgs, CliUsageError, type Command } from '../command.js';
import { loadRuntimeConfig } from './load.js';

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check a config file and print every problem with its TOML path',
  help: `Usage: iggy-connectors validate --config <file>

Loads the config (and its connector directory, if any), applies environment
overrides and checks every value. Prints each problem as "path: message".
Exit code 0 when valid, 1 when not.`,
  async run(args) {
    const { values } = parseCommandArgs('validate', args, { config: { type: 'string', short: 'c' } });
    if (!values.config) throw new CliUsageError('validate: --config <file> is required');
    try {
      const config = await loadRuntimeConfig(values.config);
      const enabled = [...config.sinks, ...config.sources].filter((c) => c.enabled);
      process.stdout.write(`${values.config}: valid (${config.sinks.length} sink(s), ${config.sources.length} source(s), ${enabled.length} enabled)\n`);
      return 0;
    } catch (error) {
      if (error instanceof ConfigError) {
        process.stderr.write(`${error.message}\n`);
        return 1;
      }
      throw error;
    }
  },
};
