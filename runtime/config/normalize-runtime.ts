// The runtime-wide sections of the document (`iggy`, `state`, `http`, `connectors`)
// turned into the normalized model, with every problem recorded.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULTS, type IggyConnection, type RuntimeConfig } from './model.js';
import { type Problems, describe, joinPath } from './problems.js';
import { ValueReader, type Table } from './read-values.js';
import { isTable } from './shape.js';

/** `host:port` or `[ipv6]:port`; undefined when malformed. */
export function parseAddress(address: string): { host: string; port: number } | undefined {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(address) ?? /^([^:\s[\]]+):(\d{1,5})$/.exec(address);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port <= 65535 ? { host: m[1], port } : undefined;
}

const section = (doc: Table, key: string): Table => (isTable(doc[key]) ? doc[key] : {});

function address(r: ValueReader, problems: Problems, table: Table, path: string, fallback: string, allowPortZero: boolean) {
  const text = r.string(table, path, 'address') ?? fallback;
  const parsed = parseAddress(text);
  if (!parsed || (!allowPortZero && parsed.port === 0)) {
    const range = allowPortZero ? '0-65535' : '1-65535';
    problems.add(joinPath(path, 'address'), `expected "host:port" with a port in ${range}, e.g. ${JSON.stringify(fallback)}, got ${describe(text)}`);
    const fallbackParsed = parseAddress(fallback) as { host: string; port: number };
    return { address: fallback, ...fallbackParsed };
  }
  return { address: text, ...parsed };
}

export function normalizeIggy(doc: Table, baseDir: string, problems: Problems): IggyConnection {
  const r = new ValueReader(problems);
  const t = section(doc, 'iggy');
  const conn = address(r, problems, t, 'iggy', DEFAULTS.iggyAddress, false);
  let username = r.optionalString(t, 'iggy', 'username');
  let password = r.optionalString(t, 'iggy', 'password');
  const token = r.optionalString(t, 'iggy', 'token');
  if (token === undefined) {
    if (username === undefined && password === undefined) {
      // Iggy's runtime falls back to the server's default root user the same way.
      username = DEFAULTS.iggyUsername;
      password = DEFAULTS.iggyPassword;
    } else if (username === undefined) {
      problems.add('iggy.username', 'required key `username` is missing: `password` is set, so a username is needed too (or use `token`)');
    } else if (password === undefined) {
      problems.add('iggy.password', 'required key `password` is missing: `username` is set, so a password is needed too (or use `token`)');
    }
  }
  const tlsTable = section(t, 'tls');
  const enabled = r.bool(tlsTable, 'iggy.tls', 'enabled', false);
  const caText = r.optionalString(tlsTable, 'iggy.tls', 'ca_file');
  const caFile = caText === undefined ? undefined : resolve(baseDir, caText);
  if (enabled && caFile !== undefined && !existsSync(caFile)) {
    problems.add('iggy.tls.ca_file', `file not found: ${caFile}`);
  }
  const domain = r.optionalString(tlsTable, 'iggy.tls', 'domain');
  const out: IggyConnection = { ...conn, tls: { enabled } };
  if (username !== undefined) out.username = username;
  if (password !== undefined) out.password = password;
  if (token !== undefined) out.token = token;
  if (caFile !== undefined) out.tls.caFile = caFile;
  if (domain !== undefined) out.tls.domain = domain;
  return out;
}

export function normalizeState(doc: Table, baseDir: string, problems: Problems): RuntimeConfig['state'] {
  const r = new ValueReader(problems);
  const t = section(doc, 'state');
  const path = r.string(t, 'state', 'path');
  if (path === '') problems.add('state.path', 'expected a directory path, got ""');
  return { path: resolve(baseDir, path || DEFAULTS.statePath) };
}

export function normalizeHttp(doc: Table, problems: Problems): RuntimeConfig['http'] {
  const r = new ValueReader(problems);
  const t = section(doc, 'http');
  const enabled = r.bool(t, 'http', 'enabled', DEFAULTS.httpEnabled);
  const { address: addr } = address(r, problems, t, 'http', DEFAULTS.httpAddress, true);
  const apiKey = r.optionalString(t, 'http', 'api_key');
  const cors = section(t, 'cors');
  const corsEnabled = r.bool(cors, 'http.cors', 'enabled', false);
  const origins = r.strings(cors, 'http.cors', 'allowed_origins');
  // Iggy's file lists these too; read them so a wrong type is still reported.
  for (const k of ['allowed_methods', 'allowed_headers', 'exposed_headers']) r.strings(cors, 'http.cors', k, { allowEmptyItems: true });
  for (const k of ['allow_credentials', 'allow_private_network']) r.bool(cors, 'http.cors', k, false);
  const tls = section(t, 'tls');
  if (r.bool(tls, 'http.tls', 'enabled', false)) {
    problems.add('http.tls.enabled', 'TLS for the HTTP API is not supported; set it to false and put a TLS-terminating proxy in front of the API');
  }
  const metrics = section(t, 'metrics');
  r.bool(metrics, 'http.metrics', 'enabled', false);
  r.string(metrics, 'http.metrics', 'endpoint');
  const out: RuntimeConfig['http'] = { enabled, address: addr, corsOrigins: corsEnabled ? origins : [] };
  if (apiKey !== undefined) out.apiKey = apiKey;
  return out;
}

/** The connector directory to read, resolved, or undefined when none is configured. */
export function connectorDirOf(doc: Table, baseDir: string, problems: Problems): string | undefined {
  const r = new ValueReader(problems);
  const t = section(doc, 'connectors');
  const type = r.oneOf(t, 'connectors', 'config_type', ['local', 'http'] as const, 'local');
  if (type === 'http') {
    problems.add('connectors.config_type', 'only "local" (a directory of connector files) is supported; the HTTP config provider is not');
  }
  const dir = r.optionalString(t, 'connectors', 'config_dir');
  return dir === undefined ? undefined : resolve(baseDir, dir);
}
