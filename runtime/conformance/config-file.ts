// Reads the connector config the kit opens the guest with: a JSON or TOML file
// whose top level is the connector's `config` table, handed over as JSON text.
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { ConformanceConfigError } from './errors.js';

/** JSON text of the config object; `{}` without a file, as the runtime passes it. */
export async function readConnectorConfig(path: string | undefined): Promise<string> {
  if (path === undefined) return '{}';
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ConformanceConfigError(`cannot read the config file ${path}: ${(cause as Error).message}`, { cause });
  }
  const ext = extname(path).toLowerCase();
  if (ext !== '.json' && ext !== '.toml') {
    throw new ConformanceConfigError(`config file ${path} must end in .json or .toml`);
  }
  let value: unknown;
  try {
    value = ext === '.json' ? JSON.parse(text) : parseToml(text);
  } catch (cause) {
    throw new ConformanceConfigError(`config file ${path} is not valid ${ext.slice(1).toUpperCase()}: ${(cause as Error).message}`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ConformanceConfigError(
      `config file ${path} must hold an object (the connector's config table), not ${Array.isArray(value) ? 'an array' : typeof value}`,
    );
  }
  // Serialized the way the runtime serializes a connector's config table (JSON.stringify).
  return JSON.stringify(value);
}
