// The shape every CLI command module exports, and argument helpers they share.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RuntimeError } from '../errors.js';

export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Resolves to the process exit code. */
  run(args: string[]): Promise<number>;
}

export class CliUsageError extends RuntimeError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs with errors that name the command and point at its --help. */
export function parseCommandArgs<O extends Options>(command: string, args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (error) {
    throw new CliUsageError(`${command}: ${(error as Error).message}\nRun \`iggy-connectors ${command} --help\` for usage.`);
  }
}
