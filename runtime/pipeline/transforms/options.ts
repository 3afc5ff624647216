// Reads one transform's TOML table into a typed description, collecting every problem
// with its path. Option names and meanings follow Iggy's connectors runtime where it has them.
import { COMPUTED_KINDS, type ComputedKind } from './computed.js';
import { KEY_PATTERN_KINDS, VALUE_PATTERN_TABLES, VALUE_PATTERN_UNITS, compileRegex, type KeyPattern, type Pattern, type ValuePattern } from './patterns.js';
import type { ConfigProblem, Schema } from '../../config/index.js';
import { joinPath } from '../../config/problems.js';

export type FieldValueSpec = { static: string /* JSON text */ } | { computed: ComputedKind };
export type UpdateCondition = 'always' | 'key_exists' | 'key_not_exists';
export interface FieldSpec {
  key: string;
  value: FieldValueSpec;
  condition: UpdateCondition;
}
export interface RouteTarget {
  stream: string;
  topic: string;
}

export type TransformOptions =
  | { name: 'add_fields' | 'update_fields'; fields: FieldSpec[] }
  | { name: 'delete_fields'; fields: string[] }
  | { name: 'filter_fields'; keepFields: string[]; patterns: Pattern[]; includeMatching: boolean }
  | { name: 'filter'; mode: 'keep' | 'drop'; match: 'any' | 'all'; patterns: Pattern[] }
  | { name: 'unwrap_envelope'; path: string[] }
  | { name: 'route'; path: string[]; routes: [string, RouteTarget][]; fallback?: RouteTarget };

export const TRANSFORM_NAMES = ['add_fields', 'update_fields', 'delete_fields', 'filter_fields', 'filter', 'unwrap_envelope', 'route'] as const;
// Iggy transforms this runtime does not offer; named so the message is not a "did you mean".
const UNSUPPORTED = ['proto_convert', 'avro_convert', 'flatbuffer_convert'];

/** Collects problems under a base path; `at` builds child paths the way the config layer prints them. */
class Problems {
  readonly list: ConfigProblem[] = [];
  add(path: string, message: string): void {
    this.list.push({ path, message });
  }
}
// Child paths are spelled as the config layer spells them (non-bare keys quoted).
const at = joinPath;

const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
const describe = (v: unknown): string => {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return 'a date';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  return `${typeof v} ${String(v)}`;
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** ` (did you mean "x"?)` when a known word is close enough, else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  let best = '';
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

function checkKeys(table: Record<string, unknown>, allowed: readonly string[], path: string, p: Problems): void {
  for (const key of Object.keys(table)) {
    if (!allowed.includes(key)) {
      p.add(at(path, key), `unknown option "${key}"${didYouMean(key, allowed)}; allowed: ${allowed.join(', ')}`);
    }
  }
}

function stringList(value: unknown, path: string, p: Problems): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) {
    p.add(path, `expected an array of strings, got ${describe(value)}`);
    return [];
  }
  const out: string[] = [];
  value.forEach((v, i) => {
    if (typeof v === 'string' && v.length > 0) out.push(v);
    else p.add(at(path, i), `expected a non-empty string, got ${describe(v)}`);
  });
  return out;
}

/** JSON text of a TOML value; big integers keep all their digits. Throws for NaN and infinities. */
function toJson(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new RangeError(`${v} has no JSON form`);
    return JSON.stringify(v);
  }
  if (typeof v === 'string' || typeof v === 'boolean' || v instanceof Date) return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(toJson).join(',')}]`;
  if (isTable(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${JSON.stringify(k)}:${toJson(x)}`)
      .join(',')}}`;
  throw new TypeError(`${typeof v} has no JSON form`);
}

function staticJson(value: unknown, path: string, p: Problems): string | undefined {
  if (value === undefined) {
    p.add(path, 'missing value');
    return undefined;
  }
  try {
    return toJson(value);
  } catch (error) {
    p.add(path, `cannot be written as JSON: ${(error as Error).message}`);
    return undefined;
  }
}

function fieldValue(value: unknown, path: string, p: Problems): FieldValueSpec | undefined {
  if (!isTable(value)) {
    p.add(path, `expected a table, { static = <value> } or { computed = "${COMPUTED_KINDS.join('" | "')}" }, got ${describe(value)}`);
    return undefined;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1 || (keys[0] !== 'static' && keys[0] !== 'computed')) {
    p.add(path, `expected exactly one of "static" or "computed", got ${keys.length === 0 ? 'an empty table' : keys.map((k) => `"${k}"`).join(', ')}`);
    return undefined;
  }
  if (keys[0] === 'static') {
    const json = staticJson(value.static, at(path, 'static'), p);
    return json === undefined ? undefined : { static: json };
  }
  const computed = value.computed;
  if (typeof computed !== 'string' || !(COMPUTED_KINDS as readonly string[]).includes(computed)) {
    const hint = typeof computed === 'string' ? didYouMean(computed, COMPUTED_KINDS) : '';
    p.add(at(path, 'computed'), `expected one of ${COMPUTED_KINDS.join(', ')}, got ${describe(computed)}${hint}`);
    return undefined;
  }
  return { computed: computed as ComputedKind };
}

function fields(table: Record<string, unknown>, path: string, withCondition: boolean, p: Problems): FieldSpec[] {
  const raw = table.fields;
  const fieldsPath = at(path, 'fields');
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    p.add(fieldsPath, `expected an array of tables ([[${fieldsPath}]]), got ${describe(raw)}`);
    return [];
  }
  const out: FieldSpec[] = [];
  raw.forEach((f, i) => {
    const fp = at(fieldsPath, i);
    if (!isTable(f)) {
      p.add(fp, `expected a table with "key" and "value", got ${describe(f)}`);
      return;
    }
    checkKeys(f, withCondition ? ['key', 'value', 'condition'] : ['key', 'value'], fp, p);
    if (typeof f.key !== 'string' || f.key.length === 0) p.add(at(fp, 'key'), `expected a non-empty string, got ${describe(f.key)}`);
    if (f.value === undefined) p.add(at(fp, 'value'), 'missing; set value.static = <value> or value.computed = "<kind>"');
    const value = f.value === undefined ? undefined : fieldValue(f.value, at(fp, 'value'), p);
    let condition: UpdateCondition = 'always';
    if (withCondition && f.condition !== undefined) {
      if (f.condition === 'always' || f.condition === 'key_exists' || f.condition === 'key_not_exists') condition = f.condition;
      else p.add(at(fp, 'condition'), `expected "always", "key_exists" or "key_not_exists", got ${describe(f.condition)}`);
    }
    if (typeof f.key === 'string' && f.key.length > 0 && value !== undefined) out.push({ key: f.key, value, condition });
  });
  return out;
}

function regex(source: unknown, path: string, p: Problems): RegExp | undefined {
  if (typeof source !== 'string') {
    p.add(path, `expected a regular expression string, got ${describe(source)}`);
    return undefined;
  }
  try {
    return compileRegex(source);
  } catch (error) {
    const why = (error as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /s, '');
    p.add(path, `invalid regular expression ${JSON.stringify(source)}: ${why}`);
    return undefined;
  }
}

function keyPattern(raw: unknown, path: string, p: Problems): KeyPattern | undefined {
  const keys = isTable(raw) ? Object.keys(raw) : [];
  if (!isTable(raw) || keys.length !== 1) {
    p.add(path, `expected a table with exactly one of ${KEY_PATTERN_KINDS.join(', ')}, e.g. { starts_with = "meta_" }, got ${describe(raw)}`);
    return undefined;
  }
  const kind = keys[0];
  const arg = raw[kind];
  if (kind === 'regex') {
    const re = regex(arg, at(path, kind), p);
    return re && { kind, re };
  }
  if (kind === 'exact' || kind === 'starts_with' || kind === 'ends_with' || kind === 'contains') {
    if (typeof arg === 'string') return { kind, text: arg, utf8: Buffer.from(arg, 'utf8') };
    p.add(at(path, kind), `expected a string, got ${describe(arg)}`);
    return undefined;
  }
  p.add(at(path, kind), `unknown key pattern "${kind}"${didYouMean(kind, KEY_PATTERN_KINDS)}; allowed: ${KEY_PATTERN_KINDS.join(', ')}`);
  return undefined;
}

function valuePattern(raw: unknown, path: string, p: Problems): ValuePattern | undefined {
  const allowed = `"${VALUE_PATTERN_UNITS.join('", "')}" or a table with one of ${VALUE_PATTERN_TABLES.join(', ')}`;
  if (typeof raw === 'string') {
    if ((VALUE_PATTERN_UNITS as readonly string[]).includes(raw)) return { kind: raw as (typeof VALUE_PATTERN_UNITS)[number] };
    p.add(path, `unknown value pattern ${JSON.stringify(raw)}${didYouMean(raw, [...VALUE_PATTERN_UNITS, ...VALUE_PATTERN_TABLES])}; expected ${allowed}`);
    return undefined;
  }
  const keys = isTable(raw) ? Object.keys(raw) : [];
  if (!isTable(raw) || keys.length !== 1) {
    p.add(path, `expected ${allowed}, got ${describe(raw)}`);
    return undefined;
  }
  const kind = keys[0];
  const arg = raw[kind];
  const argPath = at(path, kind);
  const number = (v: unknown, vp: string): number | undefined => {
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'bigint') return Number(v);
    p.add(vp, `expected a number, got ${describe(v)}`);
    return undefined;
  };
  switch (kind) {
    case 'equals': {
      const json = staticJson(arg, argPath, p);
      if (json === undefined) return undefined;
      const value = JSON.parse(json) as unknown;
      return typeof value === 'string' ? { kind, value, utf8: Buffer.from(value, 'utf8') } : { kind, value };
    }
    case 'contains':
      if (typeof arg === 'string') return { kind, text: arg };
      p.add(argPath, `expected a string, got ${describe(arg)}`);
      return undefined;
    case 'regex': {
      const re = regex(arg, argPath, p);
      return re && { kind, re };
    }
    case 'greater_than':
    case 'less_than': {
      const n = number(arg, argPath);
      return n === undefined ? undefined : { kind, n };
    }
    case 'between': {
      if (!Array.isArray(arg) || arg.length !== 2) {
        p.add(argPath, `expected [low, high], got ${describe(arg)}`);
        return undefined;
      }
      const lo = number(arg[0], at(argPath, 0));
      const hi = number(arg[1], at(argPath, 1));
      if (lo === undefined || hi === undefined) return undefined;
      if (lo > hi) p.add(argPath, `low ${lo} is greater than high ${hi}`);
      return { kind, lo, hi };
    }
  }
  if ((VALUE_PATTERN_UNITS as readonly string[]).includes(kind)) {
    p.add(path, `write value_pattern = "${kind}" (a string), not a table`);
    return undefined;
  }
  p.add(argPath, `unknown value pattern "${kind}"${didYouMean(kind, [...VALUE_PATTERN_TABLES, ...VALUE_PATTERN_UNITS])}; expected ${allowed}`);
  return undefined;
}

function patterns(table: Record<string, unknown>, path: string, required: boolean, p: Problems): Pattern[] {
  const raw = table.patterns;
  const pp = at(path, 'patterns');
  if (raw === undefined) {
    if (required) p.add(pp, 'missing; add at least one { key_pattern = ..., value_pattern = ... }');
    return [];
  }
  if (!Array.isArray(raw)) {
    p.add(pp, `expected an array of tables, got ${describe(raw)}`);
    return [];
  }
  if (required && raw.length === 0) p.add(pp, 'is empty; add at least one { key_pattern = ..., value_pattern = ... }');
  const out: Pattern[] = [];
  raw.forEach((entry, i) => {
    const ep = at(pp, i);
    if (!isTable(entry)) {
      p.add(ep, `expected a table with key_pattern and/or value_pattern, got ${describe(entry)}`);
      return;
    }
    checkKeys(entry, ['key_pattern', 'value_pattern'], ep, p);
    const pattern: Pattern = {};
    if (entry.key_pattern !== undefined) pattern.key = keyPattern(entry.key_pattern, at(ep, 'key_pattern'), p);
    if (entry.value_pattern !== undefined) pattern.value = valuePattern(entry.value_pattern, at(ep, 'value_pattern'), p);
    out.push(pattern);
  });
  return out;
}

function fieldPath(value: unknown, path: string, p: Problems): string[] {
  if (typeof value !== 'string' || value.length === 0) {
    p.add(path, value === undefined ? 'missing; name the field, e.g. "data" or "payload.after"' : `expected a non-empty string, got ${describe(value)}`);
    return [];
  }
  const segments = value.split('.');
  if (segments.some((s) => s.length === 0)) p.add(path, `"${value}" has an empty segment; write a key or dotted path like "payload.after"`);
  return segments;
}

function routeTarget(value: unknown, path: string, p: Problems): RouteTarget | undefined {
  if (!isTable(value)) {
    p.add(path, `expected { stream = "...", topic = "..." }, got ${describe(value)}`);
    return undefined;
  }
  checkKeys(value, ['stream', 'topic'], path, p);
  let ok = true;
  for (const key of ['stream', 'topic'] as const) {
    if (typeof value[key] !== 'string' || (value[key] as string).length === 0) {
      p.add(at(path, key), value[key] === undefined ? 'missing' : `expected a non-empty string, got ${describe(value[key])}`);
      ok = false;
    }
  }
  return ok ? { stream: value.stream as string, topic: value.topic as string } : undefined;
}

const OPTION_KEYS: Record<(typeof TRANSFORM_NAMES)[number], readonly string[]> = {
  add_fields: ['fields'],
  update_fields: ['fields'],
  delete_fields: ['fields'],
  filter_fields: ['keep_fields', 'patterns', 'include_matching'],
  filter: ['mode', 'match', 'patterns'],
  unwrap_envelope: ['field'],
  route: ['field', 'routes', 'default'],
};

export interface ParsedTransform {
  problems: ConfigProblem[];
  /** Present when there are no problems. */
  options?: TransformOptions;
}

/**
 * Parses and checks one transform table. `direction` is known to the pipeline; the
 * config layer passes undefined and the direction is read from the path ("sinks." / "sources.").
 */
export function parseTransform(name: string, table: Record<string, unknown>, path: string, schema: Schema, direction?: 'sink' | 'source'): ParsedTransform {
  const p = new Problems();
  if (!(TRANSFORM_NAMES as readonly string[]).includes(name)) {
    if (UNSUPPORTED.includes(name)) p.add(path, `transform "${name}" exists in Iggy's runtime but not in this one; supported: ${TRANSFORM_NAMES.join(', ')}`);
    else p.add(path, `unknown transform "${name}"${didYouMean(name, TRANSFORM_NAMES)}; supported: ${TRANSFORM_NAMES.join(', ')}`);
    return { problems: p.list };
  }
  const known = name as (typeof TRANSFORM_NAMES)[number];
  if (schema !== 'json') {
    p.add(path, `transforms act on JSON payloads, but this stream's schema is "${schema}"; set schema = "json" or remove the transform`);
  }
  if (table.enabled !== undefined && typeof table.enabled !== 'boolean') {
    p.add(at(path, 'enabled'), `expected true or false, got ${describe(table.enabled)}`);
  }
  const dir = direction ?? (path.startsWith('sinks.') ? 'sink' : path.startsWith('sources.') ? 'source' : undefined);
  const options = { ...table };
  delete options.enabled;
  checkKeys(options, OPTION_KEYS[known], path, p);
  let parsed: TransformOptions | undefined;
  switch (known) {
    case 'add_fields':
    case 'update_fields':
      parsed = { name: known, fields: fields(options, path, known === 'update_fields', p) };
      break;
    case 'delete_fields':
      parsed = { name: known, fields: stringList(options.fields, at(path, 'fields'), p) };
      break;
    case 'filter_fields': {
      const include = options.include_matching;
      if (include !== undefined && typeof include !== 'boolean') p.add(at(path, 'include_matching'), `expected true or false, got ${describe(include)}`);
      parsed = {
        name: known,
        keepFields: stringList(options.keep_fields, at(path, 'keep_fields'), p),
        patterns: patterns(options, path, false, p),
        includeMatching: include !== false,
      };
      break;
    }
    case 'filter': {
      const mode = options.mode;
      if (mode !== 'keep' && mode !== 'drop') {
        p.add(
          at(path, 'mode'),
          mode === undefined
            ? 'missing; set mode = "keep" (keep only matching messages) or "drop" (drop matching messages)'
            : `expected "keep" or "drop", got ${describe(mode)}`,
        );
      }
      const match = options.match ?? 'any';
      if (match !== 'any' && match !== 'all') p.add(at(path, 'match'), `expected "any" or "all", got ${describe(match)}`);
      parsed = { name: known, mode: mode === 'drop' ? 'drop' : 'keep', match: match === 'all' ? 'all' : 'any', patterns: patterns(options, path, true, p) };
      break;
    }
    case 'unwrap_envelope':
      parsed = { name: known, path: fieldPath(options.field, at(path, 'field'), p) };
      break;
    case 'route': {
      if (dir === 'sink') p.add(path, 'route picks a destination per message and only applies to sources; remove it from this sink');
      const routes: [string, RouteTarget][] = [];
      const rp = at(path, 'routes');
      if (!isTable(options.routes)) {
        p.add(
          rp,
          options.routes === undefined
            ? 'missing; add routes = { "<value>" = { stream = "...", topic = "..." } }'
            : `expected a table of value = { stream, topic }, got ${describe(options.routes)}`,
        );
      } else {
        for (const [value, target] of Object.entries(options.routes)) {
          const t = routeTarget(target, at(rp, value), p);
          if (t) routes.push([value, t]);
        }
        if (Object.keys(options.routes).length === 0) p.add(rp, 'is empty; add at least one "<value>" = { stream = "...", topic = "..." }');
      }
      const fallback = options.default === undefined ? undefined : routeTarget(options.default, at(path, 'default'), p);
      parsed = { name: known, path: fieldPath(options.field, at(path, 'field'), p), routes, fallback };
      break;
    }
  }
  return p.list.length === 0 ? { problems: [], options: parsed } : { problems: p.list };
}
