// Loading a runtime config: read the TOML, apply environment overrides, merge the
// connector directory, check every key and value, and return the normalized model
// or throw one ConfigError listing every problem.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readConnectorDir, displayPath } from './connector-dir.js';
import { applyEnvOverrides } from './env-overrides.js';
import { ConfigError } from './errors.js';
import type { ParseOptions, RuntimeConfig, SinkConfig, SourceConfig } from './model.js';
import { normalizeSink, normalizeSource } from './normalize-connectors.js';
import { connectorDirOf, normalizeHttp, normalizeIggy, normalizeState } from './normalize-runtime.js';
import { Problems, joinPath } from './problems.js';
import type { Table } from './read-values.js';
import { checkKeys, isTable, rootShape } from './shape.js';
import { parseToml } from './toml-file.js';

export async function loadConfig(file: string, options: Omit<ParseOptions, 'file'> = {}): Promise<RuntimeConfig> {
  const absolute = resolve(file);
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ConfigError('CONFIG_NOT_FOUND', [{ path: file, message: `no such file: ${absolute}; pass an existing config file, e.g. config/demo.toml` }], {
        cause: error,
      });
    }
    throw error;
  }
  return parseConfig(text, { ...options, file: absolute });
}

/** Synchronous: it also reads `connectors.config_dir` and checks that component files exist. */
export function parseConfig(text: string, options: ParseOptions): RuntimeConfig {
  const file = options.file === undefined ? undefined : resolve(options.file);
  const shown = file === undefined ? undefined : displayPath(file);
  const baseDir = options.baseDir ?? (file ? dirname(file) : process.cwd());
  const env = options.env ?? process.env;
  const problems = new Problems();

  const doc = parseToml(text, shown);
  // The runtime sections first: `connectors.config_dir` itself may come from the environment.
  applyEnvOverrides(doc, env, 'runtime', problems);
  const connectorFiles = new Map<string, string>();
  const dir = connectorDirOf(doc, baseDir, problems);
  if (dir !== undefined) mergeConnectorDir(doc, dir, connectorFiles, problems, shown);
  applyEnvOverrides(doc, env, 'connectors', problems);
  checkKeys(doc, rootShape, '', problems);

  const config: RuntimeConfig = {
    iggy: normalizeIggy(doc, baseDir, problems),
    state: normalizeState(doc, baseDir, problems),
    http: normalizeHttp(doc, problems),
    sinks: connectors(doc, 'sinks', connectorFiles, baseDir, options, problems) as SinkConfig[],
    sources: connectors(doc, 'sources', connectorFiles, baseDir, options, problems) as SourceConfig[],
  };
  if (file !== undefined) config.file = file;
  if (!problems.empty) throw new ConfigError('CONFIG_INVALID', problems.list, { file: shown });
  return config;
}

function mergeConnectorDir(doc: Table, dir: string, files: Map<string, string>, problems: Problems, mainFile: string | undefined): void {
  for (const c of readConnectorDir(dir, problems)) {
    const section = (doc[c.section] ??= {});
    if (!isTable(section)) return; // the key check reports the wrong type
    const path = joinPath(c.section, c.key);
    if (section[c.key] !== undefined) {
      const first = files.get(path) ?? mainFile ?? 'the main config';
      problems.add(path, `duplicate connector key \`${c.key}\`: defined in ${displayPath(first)} and in ${displayPath(c.file)}; keys must be unique`);
      continue;
    }
    section[c.key] = c.table;
    files.set(path, c.file);
    problems.noteFile(path, displayPath(c.file));
  }
}

function connectors(
  doc: Table,
  section: 'sinks' | 'sources',
  files: Map<string, string>,
  baseDir: string,
  options: ParseOptions,
  problems: Problems,
): (SinkConfig | SourceConfig)[] {
  const all = doc[section];
  if (!isTable(all)) return [];
  const out: (SinkConfig | SourceConfig)[] = [];
  for (const [key, table] of Object.entries(all)) {
    if (!isTable(table)) continue;
    const path = joinPath(section, key);
    // Keys name connectors in URLs, state files and environment variables.
    if (!/^[A-Za-z0-9_-]+$/.test(key)) problems.add(path, `connector keys may contain only letters, digits, "_" and "-", got ${JSON.stringify(key)}`);
    const sourceFile = files.get(path);
    const ctx = {
      problems,
      baseDir: sourceFile ? dirname(sourceFile) : baseDir,
      sourceFile,
      validateTransform: options.validateTransform,
    };
    out.push(section === 'sinks' ? normalizeSink(key, table, ctx) : normalizeSource(key, table, ctx));
  }
  return out;
}
