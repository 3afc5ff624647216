// What the host tests share: where the built guests are, a logger that captures
// what guests print, and one transpile cache for all loads in a test process.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino, type Logger } from 'pino';
import { TranspileCache } from '../../runtime/host/index.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const exampleGuest = (name: string): string => join(ROOT, 'guest-examples', 'js', name, `${name.replaceAll('-', '_')}.wasm`);
export const fixtureGuest = (name: string): string => join(ROOT, 'test', 'fixtures', 'guests', name, `${name.replaceAll('-', '_')}.wasm`);

/** Shared across the tests of one file so each component is transpiled/compiled once. */
export const cache = new TranspileCache(join(ROOT, '.cache', 'components'));

export interface LogRecord {
  level: number;
  msg: string;
  stream?: string;
  origin?: string;
  [key: string]: unknown;
}

/** A real pino logger whose records land in `records` (parsed), synchronously. */
export function captureLogger(): { logger: Logger; records: LogRecord[]; stdoutLines: () => string[] } {
  const records: LogRecord[] = [];
  const logger = pino({ level: 'trace' }, { write: (line: string) => void records.push(JSON.parse(line) as LogRecord) });
  return { logger, records, stdoutLines: () => records.filter((r) => r.stream === 'stdout').map((r) => r.msg) };
}
