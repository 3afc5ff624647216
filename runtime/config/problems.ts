// Collects every configuration problem instead of stopping at the first, and
// tells the reader where a value came from (an override variable, a connector file).
import type { ConfigProblem } from './errors.js';

/** `sinks.stdout` + `path` → `sinks.stdout.path`; keys that are not bare TOML keys are quoted. */
export function joinPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const part = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
  return parent ? `${parent}.${part}` : part;
}

/** A value as a message quotes it: strings quoted, tables and arrays named. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Date) return `a date (${value.toISOString()})`;
  if (typeof value === 'object' && value !== null) return 'a table';
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

export class Problems {
  readonly list: ConfigProblem[] = [];
  /** Path → the environment variable that set it. */
  private readonly envOrigins = new Map<string, string>();
  /** Path prefix → the file that declared everything under it. */
  private readonly fileOrigins = new Map<string, string>();

  add(path: string, message: string): void {
    const notes: string[] = [];
    const env = this.lookup(this.envOrigins, path);
    if (env) notes.push(`set by environment variable ${env}`);
    const file = this.lookup(this.fileOrigins, path);
    if (file) notes.push(`in ${file}`);
    this.list.push({ path, message: notes.length ? `${message} (${notes.join(', ')})` : message });
  }

  addAll(problems: readonly ConfigProblem[]): void {
    for (const p of problems) this.add(p.path, p.message);
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  noteEnv(path: string, variable: string): void {
    this.envOrigins.set(path, variable);
  }

  noteFile(pathPrefix: string, file: string): void {
    this.fileOrigins.set(pathPrefix, file);
  }

  /** The origin recorded for `path` or for the nearest enclosing path. */
  private lookup(origins: Map<string, string>, path: string): string | undefined {
    for (let p = path; p; p = parentOf(p)) {
      const hit = origins.get(p);
      if (hit) return hit;
    }
    return undefined;
  }
}

function parentOf(path: string): string {
  if (path.endsWith(']')) return path.slice(0, path.lastIndexOf('['));
  // Quoted segments may contain dots; strip the last segment, quoted or bare.
  const m = /(?:\.(?:"(?:[^"\\]|\\.)*"|[A-Za-z0-9_-]+))$/.exec(path);
  return m ? path.slice(0, m.index) : '';
}
