// Key and value patterns shared by `filter_fields` and `filter`, with Iggy's option
// names (key_pattern = { exact | starts_with | ends_with | contains | regex }, value_pattern = ...).
import { RootKind } from '../schema/json-scan.js';

export type KeyPattern = { kind: 'exact' | 'starts_with' | 'ends_with' | 'contains'; text: string; utf8: Buffer } | { kind: 'regex'; re: RegExp };

export type ValuePattern =
  | { kind: 'equals'; value: unknown; utf8?: Buffer /* when value is a string */ }
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

const sameBytes = (buf: Buffer, at: number, want: Buffer): boolean => {
  for (let k = 0; k < want.length; k++) if (buf[at + k] !== want[k]) return false;
  return true;
};

/**
 * The same test as keyMatches on a key's raw bytes `buf[s, e)` (between the quotes,
 * no escapes), without decoding it. Undefined for regex, which needs the string.
 */
export function keyMatchesRaw(p: KeyPattern, buf: Buffer, s: number, e: number): boolean | undefined {
  if (p.kind === 'regex') return undefined;
  const want = p.utf8;
  const len = e - s;
  switch (p.kind) {
    case 'exact':
      return len === want.length && sameBytes(buf, s, want);
    case 'starts_with':
      return len >= want.length && sameBytes(buf, s, want);
    case 'ends_with':
      return len >= want.length && sameBytes(buf, e - want.length, want);
    case 'contains':
      for (let at = s; at + want.length <= e; at++) if (sameBytes(buf, at, want)) return true;
      return false;
  }
}

const kindOf = (first: number): number =>
  first === 0x7b
    ? RootKind.object
    : first === 0x5b
      ? RootKind.array
      : first === 0x22
        ? RootKind.string
        : first === 0x74 || first === 0x66 || first === 0x6e
          ? RootKind.literal
          : RootKind.number;

// A bounded loop: Buffer#indexOf would search past `end`, through the rest of the batch.
function hasBackslash(buf: Buffer, start: number, end: number): boolean {
  for (let i = start + 1; i < end - 1; i++) if (buf[i] === 0x5c) return true;
  return false;
}

/** Decodes a JSON string value's bytes (quotes included); without escapes it avoids JSON.parse. */
export function decodeString(buf: Buffer, start: number, end: number): string {
  if (hasBackslash(buf, start, end)) return JSON.parse(buf.toString('utf8', start, end)) as string;
  return buf.toString('utf8', start + 1, end - 1);
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
      if (p.utf8 !== undefined && kind === RootKind.string && !hasBackslash(buf, start, end)) {
        return end - start - 2 === p.utf8.length && sameBytes(buf, start + 1, p.utf8);
      }
      return valueEquals(p.value, buf, start, end, kind);
  }
}

/** `equals` without parsing for scalars: strings by bytes (or decoded when escaped), numbers by value. */
function valueEquals(want: unknown, buf: Buffer, start: number, end: number, kind: number): boolean {
  if (typeof want === 'string') return kind === RootKind.string && decodeString(buf, start, end) === want;
  if (typeof want === 'number' || typeof want === 'bigint') return kind === RootKind.number && jsonEqual(Number(buf.toString('latin1', start, end)), want);
  if (want === null || typeof want === 'boolean') return kind === RootKind.literal && buf.toString('latin1', start, end) === String(want);
  return (kind === RootKind.object || kind === RootKind.array) && jsonEqual(JSON.parse(buf.toString('utf8', start, end)), want);
}

/** Structural equality of two JSON values: numbers by value, object members in any order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'bigint' || typeof b === 'bigint')
    return (typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint') && Number(a) === Number(b);
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
