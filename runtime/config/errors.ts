// The one error type configuration loading raises: it carries every problem found,
// each with the TOML path it concerns, so a user can fix a file in one pass.
import { RuntimeError } from '../errors.js';

/** One thing wrong with the configuration, at a TOML-style path (`sinks.stdout.streams[0].batch_size`). */
export interface ConfigProblem {
  path: string;
  message: string;
}

export type ConfigErrorCode = 'CONFIG_INVALID' | 'CONFIG_NOT_FOUND' | 'CONFIG_SYNTAX';

export class ConfigError extends RuntimeError {
  declare readonly code: ConfigErrorCode;
  readonly problems: ConfigProblem[];

  constructor(code: ConfigErrorCode, problems: ConfigProblem[], options?: { cause?: unknown; file?: string }) {
    super(code, ConfigError.render(code, problems, options?.file), options);
    this.problems = problems;
  }

  private static render(code: ConfigErrorCode, problems: ConfigProblem[], file?: string): string {
    const where = file ? ` in ${file}` : '';
    const head =
      code === 'CONFIG_SYNTAX'
        ? `configuration file is not valid TOML${where}`
        : code === 'CONFIG_NOT_FOUND'
          ? 'configuration file not found'
          : `configuration has ${problems.length} problem${problems.length === 1 ? '' : 's'}${where}`;
    return [`${head}:`, ...problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))].join('\n');
  }
}
