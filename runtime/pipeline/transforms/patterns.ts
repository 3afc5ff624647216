// Key and value patterns shared by `filter_fields` and `filter`, with Iggy's option
// names (key_pattern = { exact | starts_with | ends_with | contains | regex }, value_pattern = ...).
import { RootKind } from '../schema/json-scan.js';

export type KeyPattern =
  | { kind: 'exact' | 'starts_with' | 'ends_with' | 'contains'; text: string }
  | { kind: 'regex'; re: RegExp };

export type ValuePattern =
  | { kind: 'equals'; value: unknown }
  | { kind: 'contains'; text: string }
  | { kind: 'regex'; re: RegExp }
  | { kind: 'greater_than' | 'less_than'; n: number }
  | { kind: 'between'; lo: number; hi: number }
  | { kind: 'is_null' | 'is_not_null' | 'is_string' | 'is_number' | 'is_boolean' | 'is_object' | 'is_array' };

export interface Pattern {
  key?: KeyPattern;
  value?: ValuePattern;
}

export const KEY_PATTERN_KINDS = ['exact', 'starts_with', 'ends_with', 'contains', 'regex'] as const;
export const VALUE_PATTERN_UNITS = ['is_null', 'is_not_null', 'is_string', 'is_number', 'is_boolean', 'is_object', 'is_array'] as const;
export const VALUE_PATTERN_TABLES = ['equals', 'contains', 'regex', 'greater_than', 'less_than', 'between'] as const;

/**
 * Compiles a regular expression written for Iggy's Rust `regex` crate. JavaScript has no
 * inline flag groups, so a leading `(?i)`, `(?s)`, `(?m)` (or a mix) becomes RegExp flags.
 * Throws SyntaxError for an invalid pattern.
 */
export function compileRegex(source: string): RegExp {
  let flags = 'u';
  let body = source;
  const inline = /^\(\?([ims]+)\)/.exec(source);
  if (inline !== null) {
    for (const f of new Set(inline[1])) flags += f;
    body = source.slice(inline[0].length);
  }
  return new RegExp(body, flags);
}

export function keyMatches(p: KeyPattern, key: string): boolean {
  switch (p.kind) {
    case 'exact':
      return key === p.text;
    case 'starts_with':
      return key.startsWith(p.text);
    case 'ends_with':
      return key.endsWith(p.text);
    case 'contains':
      return key.includes(p.text);
    case 'regex':
      return p.re.test(key);
  }
}

const kindOf = (first: number): number =>
  first === 0x7b ? RootKind.object : first === 0x5b ? RootKind.array : first === 0x22 ? RootKind.string : first === 0x74 || first === 0x66 || first === 0x6e ? RootKind.literal : RootKind.number;

/** Decodes a JSON string value's bytes (quotes included); the fast path avoids JSON.parse. */
export function decodeString(buf: Buffer, start: number, end: number): string {
  const slash = buf.indexOf(0x5c, start);
  if (slash === -1 || slash >= end) return buf.toString('utf8', start + 1, end - 1);
  return JSON.parse(buf.toString('utf8', start, end)) as string;
}

/** `buf[start, end)` is one valid JSON value (already checked by the scanner). */
export function valueMatches(p: ValuePattern, buf: Buffer, start: number, end: number): boolean {
  const first = buf[start];
  const kind = kindOf(first);
  switch (p.kind) {
    case 'is_null':
      return first === 0x6e;
    case 'is_not_null':
      return first !== 0x6e;
    case 'is_string':
      return kind === RootKind.string;
    case 'is_number':
      return kind === RootKind.number;
    case 'is_boolean':
      return first === 0x74 || first === 0x66;
    case 'is_object':
      return kind === RootKind.object;
    case 'is_array':
      return kind === RootKind.array;
    case 'contains':
      return kind === RootKind.string && decodeString(buf, start, end).includes(p.text);
    case 'regex':
      return kind === RootKind.string && p.re.test(decodeString(buf, start, end));
    case 'greater_than':
      return kind === RootKind.number && Number(buf.toString('latin1', start, end)) > p.n;
    case 'less_than':
      return kind === RootKind.number && Number(buf.toString('latin1', start, end)) < p.n;
    case 'between': {
      if (kind !== RootKind.number) return false;
      const n = Number(buf.toString('latin1', start, end));
      return n >= p.lo && n <= p.hi;
    }
    case 'equals':
      return jsonEqual(JSON.parse(buf.toString('utf8', start, end)), p.value);
  }
}

/** Structural equality of two JSON values: numbers by value, object members in any order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint') return String(a) === String(b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = Object.keys(ao);
  return keys.length === Object.keys(bo).length && keys.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]));
}
