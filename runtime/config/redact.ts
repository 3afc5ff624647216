// A copy of the config safe to show in logs and over the HTTP API: credentials and
// anything in a connector's config whose name says it is secret become "***".
import type { ConnectorConfig, RuntimeConfig } from './model.js';
import { isTable } from './shape.js';

const MASK = '***';
const SECRET_NAME = /pass(word|wd|phrase)?|secret|token|api[-_]?key|private[-_]?key|access[-_]?key|^key$|_key$|credential|authorization/i;

export function redactConfig(config: RuntimeConfig): unknown {
  const mask = (v: string | undefined) => (v === undefined ? undefined : MASK);
  return {
    ...config,
    iggy: { ...config.iggy, password: mask(config.iggy.password), token: mask(config.iggy.token) },
    http: { ...config.http, apiKey: mask(config.http.apiKey) },
    sinks: config.sinks.map(redactConnector),
    sources: config.sources.map(redactConnector),
  };
}

function redactConnector(c: ConnectorConfig): unknown {
  return { ...c, config: redactValue(c.config) };
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (isTable(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_NAME.test(k) && !isTable(v) ? MASK : redactValue(v)]));
  }
  // Connection strings carry passwords in their user info: scheme://user:password@host.
  if (typeof value === 'string') return value.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s/]+@/gi, `$1${MASK}@`);
  return value;
}
