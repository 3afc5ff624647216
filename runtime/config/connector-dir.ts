// Iggy's connector directory: one `*.toml` file per connector (`type`, `key`,
// `version`, `[[streams]]`, `[plugin_config]`, ...), possibly several versions of a
// key, of which the active one (`.active_versions.toml`, else the highest) is loaded.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { type Problems, describe, joinPath } from './problems.js';
import type { Table } from './read-values.js';
import { isTable } from './shape.js';
import { parseToml } from './toml-file.js';

export interface DirConnector {
  section: 'sinks' | 'sources';
  key: string;
  version: number;
  /** The file's table without `type` and `key`, in the main file's connector layout. */
  table: Table;
  file: string;
}

/** How files are named in messages: relative to the working directory when inside it. */
export function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') ? rel : file;
}

export function readConnectorDir(dir: string, problems: Problems): DirConnector[] {
  if (!existsSync(dir)) {
    problems.add('connectors.config_dir', `directory not found: ${dir}`);
    return [];
  }
  // Iggy skips hidden files and Cargo.toml; sorting makes the order independent of the file system.
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.toml') && !e.name.startsWith('.') && e.name.toLowerCase() !== 'cargo.toml')
    .map((e) => join(dir, e.name))
    .sort();
  const found: DirConnector[] = [];
  for (const file of files) {
    const connector = readConnectorFile(file, problems);
    if (connector) found.push(connector);
  }
  return chooseActive(found, readActiveVersions(dir), problems);
}

function readConnectorFile(file: string, problems: Problems): DirConnector | undefined {
  const shown = displayPath(file);
  const doc = parseToml(readFileSync(file, 'utf8'), shown);
  const { type, key, ...rest } = doc;
  let ok = true;
  if (type !== 'sink' && type !== 'source') {
    problems.add(
      `${shown}: type`,
      type === undefined ? 'required key `type` is missing: "sink" or "source"' : `expected "sink" or "source", got ${describe(type)}`,
    );
    ok = false;
  }
  if (typeof key !== 'string' || key === '') {
    problems.add(
      `${shown}: key`,
      key === undefined ? "required key `key` is missing: the connector's unique key" : `expected a non-empty string, got ${describe(key)}`,
    );
    ok = false;
  }
  if (!ok) return undefined;
  const version = typeof rest.version === 'number' && Number.isSafeInteger(rest.version) ? rest.version : 0;
  return { section: type === 'sink' ? 'sinks' : 'sources', key: key as string, version, table: rest, file };
}

type ActiveVersions = Record<'sinks' | 'sources', Record<string, number>>;

/** Iggy records which version of a key is active in `.active_versions.toml` beside the files. */
function readActiveVersions(dir: string): ActiveVersions {
  const file = join(dir, '.active_versions.toml');
  const out: ActiveVersions = { sinks: {}, sources: {} };
  if (!existsSync(file)) return out;
  const doc = parseToml(readFileSync(file, 'utf8'), displayPath(file));
  for (const section of ['sinks', 'sources'] as const) {
    const t = doc[section];
    if (!isTable(t)) continue;
    for (const [k, v] of Object.entries(t)) if (typeof v === 'number') out[section][k] = v;
  }
  return out;
}

function chooseActive(found: DirConnector[], active: ActiveVersions, problems: Problems): DirConnector[] {
  const groups = new Map<string, DirConnector[]>();
  for (const c of found) {
    const id = `${c.section}\u0000${c.key}`;
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  const chosen: DirConnector[] = [];
  for (const group of groups.values()) {
    const { section, key } = group[0];
    const path = joinPath(section, key);
    const byVersion = new Map<number, DirConnector>();
    for (const c of group) {
      const twin = byVersion.get(c.version);
      if (twin)
        problems.add(
          path,
          `duplicate connector key \`${key}\` (version ${c.version}) in ${displayPath(twin.file)} and ${displayPath(c.file)}; keys must be unique`,
        );
      else byVersion.set(c.version, c);
    }
    const wanted = active[section][key];
    if (wanted !== undefined && !byVersion.has(wanted)) {
      problems.add(path, `.active_versions.toml selects version ${wanted}, but only versions ${[...byVersion.keys()].join(', ')} exist`);
      continue;
    }
    const version = wanted ?? Math.max(...byVersion.keys());
    chosen.push(byVersion.get(version) as DirConnector);
  }
  // Keep file-name order so the result does not depend on which version won.
  return chosen.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}
