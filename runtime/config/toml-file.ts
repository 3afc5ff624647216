// Parsing one TOML text; a syntax error becomes a ConfigError naming the file, line and column.
import { parse, TomlError } from 'smol-toml';
import { ConfigError } from './errors.js';
import type { Table } from './read-values.js';

export function parseToml(text: string, file: string | undefined): Table {
  try {
    return parse(text) as Table;
  } catch (error) {
    if (error instanceof TomlError) {
      const where = `${file ?? '<config>'}:${error.line}:${error.column}`;
      // smol-toml's message repeats a code excerpt after the first line; the first line is the reason.
      const reason = error.message.split('\n')[0].replace(/^Invalid TOML document: /, '');
      throw new ConfigError('CONFIG_SYNTAX', [{ path: where, message: `line ${error.line}, column ${error.column}: ${reason}` }], { cause: error, file });
    }
    throw error;
  }
}
