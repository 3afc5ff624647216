#!/usr/bin/env node
// The `iggy-connectors` command line: dispatches to one module per command.
import { CliUsageError, type Command } from './command.js';
import { runCommand } from './commands/run.js';
import { validateCommand } from './commands/validate.js';
import { devBrokerCommand } from './commands/dev-broker.js';
import { statusCommand } from './commands/status.js';
import { testCommand } from './commands/test.js';
import { newCommand } from './commands/new.js';
import { VERSION } from './version.js';

const commands: Command[] = [runCommand, validateCommand, devBrokerCommand, statusCommand, testCommand, newCommand];

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    `iggy-connectors ${VERSION}: WebAssembly-sandboxed connectors for Apache Iggy`,
    '',
    'Usage: iggy-connectors <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `iggy-connectors <command> --help` for the options of a command.',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 1 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`unknown command "${name}"\n\n${usage()}\n`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CliUsageError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    const err = error as { code?: string; message?: string };
    process.stderr.write(`error${err.code ? ` [${err.code}]` : ''}: ${err.message ?? String(error)}\n`);
    process.exitCode = 1;
  },
);
