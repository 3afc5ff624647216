// Typed reads of single TOML values: each returns the value or, after recording a
// problem that quotes what was found, undefined (or the default when the key is absent).
import { type Problems, describe, joinPath } from './problems.js';
import { isTable } from './shape.js';
import { parseDuration, parseSize } from './units.js';

export type Table = Record<string, unknown>;

export class ValueReader {
  constructor(private readonly problems: Problems) {}

  /** A key that may be spelled two ways (`batch_size` / Iggy's `batch_length`); both set is an error. */
  pick(table: Table, path: string, key: string, synonym: string): { value: unknown; key: string } {
    const has = table[key] !== undefined;
    const hasSynonym = table[synonym] !== undefined;
    if (has && hasSynonym) {
      this.problems.add(joinPath(path, synonym), `\`${synonym}\` is another name for \`${key}\`; set only one of them`);
    }
    return has || !hasSynonym ? { value: table[key], key } : { value: table[synonym], key: synonym };
  }

  required(table: Table, path: string, key: string, what: string): boolean {
    if (table[key] !== undefined) return true;
    this.problems.add(joinPath(path, key), `required key \`${key}\` is missing: ${what}`);
    return false;
  }

  string(table: Table, path: string, key: string): string | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (typeof v === 'string') return v;
    this.problems.add(joinPath(path, key), `expected a string, got ${describe(v)}`);
    return undefined;
  }

  /** Like `string`, but an empty string counts as unset (Iggy's files write `token = ""` for "none"). */
  optionalString(table: Table, path: string, key: string): string | undefined {
    const v = this.string(table, path, key);
    return v === '' ? undefined : v;
  }

  nonEmptyString(table: Table, path: string, key: string): string | undefined {
    const v = this.string(table, path, key);
    if (v === '') {
      this.problems.add(joinPath(path, key), 'expected a non-empty string, got ""');
      return undefined;
    }
    return v;
  }

  bool(table: Table, path: string, key: string, fallback: boolean): boolean {
    const v = table[key];
    if (v === undefined) return fallback;
    if (typeof v === 'boolean') return v;
    this.problems.add(joinPath(path, key), `expected a boolean (true or false), got ${describe(v)}`);
    return fallback;
  }

  /** An integer ≥ `min` (1 for "positive", 0 for "non-negative"). */
  integer(value: unknown, path: string, fallback: number, min: 0 | 1): number {
    if (value === undefined) return fallback;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min) return value;
    this.problems.add(path, `expected a ${min === 1 ? 'positive' : 'non-negative'} integer, got ${describe(value)}`);
    return fallback;
  }

  duration(value: unknown, path: string, fallback: number, options: { positive?: boolean } = {}): number {
    if (value === undefined) return fallback;
    const ms = parseDuration(value);
    if (ms === undefined) {
      this.problems.add(path, `expected a duration like "5ms", "1.5s", "2m", "1h", "500us" or an integer of milliseconds, got ${describe(value)}`);
      return fallback;
    }
    if (options.positive && ms <= 0) {
      this.problems.add(path, `expected a duration greater than zero, got ${describe(value)}`);
      return fallback;
    }
    return ms;
  }

  size(value: unknown, path: string, fallback: number): number {
    if (value === undefined) return fallback;
    const bytes = parseSize(value);
    if (bytes === undefined) {
      this.problems.add(path, `expected a size like "64 MiB", "1GB" or an integer of bytes, got ${describe(value)}`);
      return fallback;
    }
    return bytes;
  }

  oneOf<T extends string>(table: Table, path: string, key: string, allowed: readonly T[], fallback: T): T {
    const v = table[key];
    if (v === undefined) return fallback;
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return v as T;
    this.problems.add(joinPath(path, key), `expected one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(v)}`);
    return fallback;
  }

  strings(table: Table, path: string, key: string, options: { nonEmpty?: boolean; allowEmptyItems?: boolean } = {}): string[] {
    const v = table[key];
    if (v === undefined) return [];
    const at = joinPath(path, key);
    if (!Array.isArray(v)) {
      this.problems.add(at, `expected an array of strings, got ${describe(v)}`);
      return [];
    }
    const out: string[] = [];
    v.forEach((item, i) => {
      if (typeof item === 'string' && (item !== '' || options.allowEmptyItems)) out.push(item);
      else this.problems.add(joinPath(at, i), `expected a ${options.allowEmptyItems ? '' : 'non-empty '}string, got ${describe(item)}`);
    });
    if (options.nonEmpty && v.length === 0) this.problems.add(at, 'expected at least one entry, got an empty array');
    return out;
  }

  table(table: Table, path: string, key: string): Table | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (isTable(v)) return v;
    // checkKeys already reported a table shape mismatch for known keys; avoid saying it twice.
    return undefined;
  }
}

/** A deep copy with ordinary prototypes: the TOML parser builds inline tables without one. */
export function toPlain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toPlain);
  if (isTable(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPlain(v)]));
  return value;
}
