// Iggy's environment override scheme: IGGY_CONNECTORS_<SECTION>_<KEY>...,
// IGGY_CONNECTORS_SINK_<KEY>_..., IGGY_CONNECTORS_SOURCE_<KEY>_..., written into the
// raw TOML document before validation, each value typed by the key it replaces.
import { type Problems, joinPath } from './problems.js';
import { canonicalKey, isTable, rootShape, type Shape } from './shape.js';
import { closest } from './suggest.js';

export const ENV_PREFIX = 'IGGY_CONNECTORS_';

type Seg = string | number;
type Resolution = { kind: 'target'; segs: Seg[]; shape: Shape } | { kind: 'ignored' } | { kind: 'miss'; segs: Seg[]; rest: string; candidates: string[] };

/** A key as it appears inside a variable name: upper case, anything but letters and digits as `_`. */
export const envName = (key: string): string => key.toUpperCase().replace(/[^A-Z0-9]/g, '_');

function fields(shape: Shape): Record<string, Shape> {
  return shape.kind === 'table' ? shape.fields : {};
}

/** Which part of the document a set of variables may touch. */
export type OverrideScope = 'runtime' | 'connectors';

/**
 * Applies every `IGGY_CONNECTORS_*` variable of `scope` to `doc`. `runtime` covers the
 * sections of the main file (needed before `connectors.config_dir` is read); `connectors`
 * covers `SINK_`/`SOURCE_` variables, applied once every connector is known.
 */
export function applyEnvOverrides(doc: Record<string, unknown>, env: NodeJS.ProcessEnv, scope: OverrideScope, problems: Problems): void {
  const names = Object.keys(env)
    .filter((n) => n.toUpperCase().startsWith(ENV_PREFIX))
    .sort();
  for (const variable of names) {
    const raw = env[variable];
    // Iggy skips empty variables; doing the same keeps one environment valid for both runtimes.
    if (raw === undefined || raw === '') continue;
    // `-` (legal in names Node sees, and kept by Iggy in keys) is a separator like `_`.
    const tokens = envName(variable.slice(ENV_PREFIX.length)).split('_');
    const resolution = resolveVariable(doc, tokens, scope);
    if (resolution === undefined || resolution.kind === 'ignored') continue;
    if (resolution.kind === 'miss') {
      const where = resolution.segs.length ? ` under \`${pathOf(resolution.segs)}\`` : '';
      const hint = closest(resolution.rest, resolution.candidates.map(envName));
      const list = resolution.candidates.length ? `; known: ${resolution.candidates.map(envName).join(', ')}` : '';
      problems.add(variable, `no configuration key matches \`${resolution.rest}\`${where}${hint ? `; did you mean \`${hint}\`?` : list}`);
      continue;
    }
    const path = pathOf(resolution.segs);
    const existing = getAt(doc, resolution.segs);
    const value = coerce(raw, resolution.shape, existing);
    if (value instanceof Error) {
      problems.noteEnv(path, variable);
      problems.add(path, value.message);
      continue;
    }
    setAt(doc, resolution.segs, value);
    problems.noteEnv(path, variable);
  }
}

function resolveVariable(doc: Record<string, unknown>, tokens: string[], scope: OverrideScope): Resolution | undefined {
  const root = fields(rootShape);
  const head = tokens[0];
  if (head === 'SINK' || head === 'SOURCE') {
    if (scope !== 'connectors') return undefined;
    const section = head === 'SINK' ? 'sinks' : 'sources';
    const r = resolve(root[section], doc[section], tokens, 1);
    if (r.kind === 'miss' && r.segs.length === 0) {
      const known = isTable(doc[section]) ? Object.keys(doc[section]) : [];
      return { kind: 'miss', segs: [section], rest: r.rest, candidates: known };
    }
    return prefix(section, r);
  }
  if (scope !== 'runtime') return undefined;
  // Only variables that start with a section name are configuration; others
  // (IGGY_CONNECTORS_CONFIG_PATH, IGGY_CONNECTORS_LOG_LEVEL, ...) belong to the CLI.
  for (const section of Object.keys(root).filter((s) => s !== 'sinks' && s !== 'sources')) {
    const sectionTokens = envName(section).split('_');
    if (!startsWith(tokens, 0, sectionTokens)) continue;
    return prefix(section, resolve(root[section], doc[section], tokens, sectionTokens.length));
  }
  return undefined;
}

function prefix(seg: Seg, r: Resolution): Resolution {
  return r.kind === 'ignored' ? r : { ...r, segs: [seg, ...r.segs] };
}

function startsWith(tokens: string[], at: number, wanted: string[]): boolean {
  return wanted.every((t, i) => tokens[at + i] === t);
}

/** Matches `tokens[i..]` against the keys of `shape`, longest key first, since keys contain underscores. */
function resolve(shape: Shape, node: unknown, tokens: string[], i: number): Resolution {
  if (i === tokens.length) return { kind: 'target', segs: [], shape };
  const rest = tokens.slice(i).join('_');
  switch (shape.kind) {
    case 'ignored':
      return { kind: 'ignored' };
    case 'table': {
      const names = [...Object.keys(shape.fields), ...Object.keys(shape.synonyms ?? {})];
      const miss = tryKeys(names, tokens, i, (name) => {
        const canonical = canonicalKey(shape, name) as string;
        // Write to the spelling the file already uses, so an override never makes both spellings appear.
        const spellings = names.filter((n) => canonicalKey(shape, n) === canonical);
        const key = spellings.find((s) => isTable(node) && node[s] !== undefined) ?? name;
        return { key, r: resolve(shape.fields[canonical], isTable(node) ? node[key] : undefined, tokens, i + envName(name).split('_').length) };
      });
      return miss ?? { kind: 'miss', segs: [], rest, candidates: Object.keys(shape.fields) };
    }
    case 'map':
    case 'free': {
      const existing = isTable(node) ? Object.keys(node) : [];
      const childShape: Shape = shape.kind === 'map' ? shape.of : shape;
      const hit = tryKeys(existing, tokens, i, (name) => ({
        key: name,
        r: resolve(childShape, (node as Record<string, unknown>)[name], tokens, i + envName(name).split('_').length),
      }));
      if (hit && hit.kind !== 'miss') return hit;
      // A guest's config may gain keys from the environment, as Iggy's PLUGIN_CONFIG_ variables do.
      if (shape.kind === 'free' && (node === undefined || isTable(node))) {
        return { kind: 'target', segs: [rest.toLowerCase()], shape };
      }
      return hit ?? { kind: 'miss', segs: [], rest, candidates: existing };
    }
    case 'array': {
      const token = tokens[i];
      const length = Array.isArray(node) ? node.length : 0;
      if (!/^\d+$/.test(token) || Number(token) > length) {
        return { kind: 'miss', segs: [], rest, candidates: Array.from({ length: length + 1 }, (_, n) => String(n)) };
      }
      const index = Number(token);
      const r = resolve(shape.of, Array.isArray(node) ? node[index] : undefined, tokens, i + 1);
      return r.kind === 'ignored' ? r : { ...r, segs: [index, ...r.segs] };
    }
    default:
      return { kind: 'miss', segs: [], rest, candidates: [] };
  }
}

/** Tries candidate keys, longest first; the first that resolves to a target wins, else the deepest miss. */
function tryKeys(names: string[], tokens: string[], i: number, descend: (name: string) => { key: string; r: Resolution }): Resolution | undefined {
  const sorted = [...names].sort((a, b) => envName(b).length - envName(a).length);
  let deepest: Resolution | undefined;
  for (const name of sorted) {
    if (!startsWith(tokens, i, envName(name).split('_'))) continue;
    const { key, r } = descend(name);
    const withKey: Resolution = r.kind === 'ignored' ? r : { ...r, segs: [key, ...r.segs] };
    if (r.kind !== 'miss') return withKey;
    deepest ??= withKey;
  }
  return deepest;
}

function pathOf(segs: Seg[]): string {
  return segs.reduce<string>((p, s) => joinPath(p, s), '');
}

function getAt(doc: unknown, segs: Seg[]): unknown {
  let node = doc;
  for (const s of segs) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[s];
  }
  return node;
}

function setAt(doc: Record<string, unknown>, segs: Seg[], value: unknown): void {
  let node: Record<string | number, unknown> = doc;
  segs.forEach((s, n) => {
    if (n === segs.length - 1) {
      node[s] = value;
      return;
    }
    const next = node[s];
    if (next === null || typeof next !== 'object') node[s] = typeof segs[n + 1] === 'number' ? [] : {};
    node = node[s] as Record<string | number, unknown>;
  });
}

/**
 * Types a variable's text by the key it overrides. A value that does not fit a typed
 * key is kept as text, so validation reports it with the key's own rule and the variable's name.
 */
function coerce(raw: string, shape: Shape, existing: unknown): unknown {
  switch (shape.kind) {
    case 'string':
      return raw;
    case 'bool':
      return /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : raw;
    case 'int':
    case 'duration':
    case 'size':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
    case 'strings':
      return parseList(raw);
    case 'partitioning':
      return raw.trim().startsWith('{') ? parseJson(raw, 'a table') : raw;
    case 'table':
    case 'map':
      return parseJson(raw, 'a table');
    case 'array':
      return parseJson(raw, 'an array');
    case 'ignored':
      return raw;
    case 'free':
      return inferFree(raw, existing);
  }
}

function parseJson(raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return new Error(`expected ${what} written as JSON, got ${JSON.stringify(raw)}`);
  }
}

/** `["a","b"]` (JSON), `[a, b]` (Iggy's bracket list) or `a,b`. */
function parseList(raw: string): unknown {
  const text = raw.trim();
  if (text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      if (!text.endsWith(']')) return raw;
      return splitList(text.slice(1, -1));
    }
  }
  return splitList(text);
}

function splitList(text: string): string[] {
  return text.trim() === '' ? [] : text.split(',').map((s) => s.trim().replace(/^"(.*)"$/, '$1'));
}

/**
 * For a guest's config: follow the type of the value being replaced (so a password
 * "12345" stays a string); for a new key, guess as Iggy does: boolean, number, JSON, text.
 */
function inferFree(raw: string, existing: unknown): unknown {
  if (typeof existing === 'string') return raw;
  if (typeof existing === 'boolean') return /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : raw;
  if (typeof existing === 'number') return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  if (Array.isArray(existing)) return parseList(raw);
  if (isTable(existing)) return parseJson(raw, 'a table');
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (/^-?\d+(\.\d+)?$/.test(raw.trim())) return Number(raw);
  const t = raw.trim();
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t);
    } catch {
      return t.startsWith('[') ? splitList(t.slice(1, -1)) : raw;
    }
  }
  return raw;
}
