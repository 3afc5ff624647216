// Every key the configuration accepts, with its kind: the one list that unknown-key
// checks and environment overrides (which type a value by the key it replaces) share.
import { type Problems, describe, joinPath } from './problems.js';
import { closest } from './suggest.js';

export type LeafKind = 'string' | 'bool' | 'int' | 'duration' | 'size' | 'strings' | 'partitioning';

export type Shape =
  | { kind: LeafKind }
  | { kind: 'table'; fields: Record<string, Shape>; synonyms?: Record<string, string> }
  /** A table whose keys the user chooses (connector keys, transform names). */
  | { kind: 'map'; of: Shape }
  | { kind: 'array'; of: Shape }
  /** Anything: a guest's own config, a transform's options. */
  | { kind: 'free' }
  /** Accepted so that Iggy's own runtime file loads; not read. */
  | { kind: 'ignored' };

const leaf = (kind: LeafKind): Shape => ({ kind });
const table = (fields: Record<string, Shape>, synonyms?: Record<string, string>): Shape => ({ kind: 'table', fields, synonyms });
const S = leaf('string');
const B = leaf('bool');
const I = leaf('int');
const D = leaf('duration');
const L = leaf('strings');

const connectorFields: Record<string, Shape> = {
  enabled: B,
  name: S,
  path: S,
  version: I,
  verbose: B,
  benchmark: B,
  plugin_config_format: S,
  config: { kind: 'free' },
  transforms: { kind: 'map', of: { kind: 'free' } },
  permissions: table({
    preopens: { kind: 'array', of: table({ host: S, guest: S, read_only: B }) },
    env: L,
    stdio: S,
    allowed_hosts: L,
  }),
  limits: table({ memory_limit: leaf('size'), call_timeout: D }),
  restart: table({ initial_delay: D, max_delay: D, max_restarts: I }),
};

const errorsShape = table({
  on_permanent: S,
  dead_letter: table({ stream: S, topic: S }),
  max_retries: I,
  retry_initial: D,
  retry_max: D,
});

/** Keys whose Iggy spelling differs from ours: Iggy's name → ours. */
const connectorSynonyms = { plugin_config: 'config' };
const streamSynonyms = { batch_length: 'batch_size' };

export const sinkShape: Shape = table(
  {
    ...connectorFields,
    streams: {
      kind: 'array',
      of: table({ stream: S, topics: L, schema: S, batch_size: I, poll_interval: D, consumer_group: S }, streamSynonyms),
    },
    errors: errorsShape,
  },
  connectorSynonyms,
);

export const sourceShape: Shape = table(
  {
    ...connectorFields,
    errors: errorsShape,
    poll_interval: D,
    streams: {
      kind: 'array',
      of: table({ stream: S, topic: S, schema: S, batch_size: I, linger_time: D, partitioning: leaf('partitioning') }, streamSynonyms),
    },
  },
  connectorSynonyms,
);

export const rootShape: Shape = table({
  iggy: table({
    address: S,
    username: S,
    password: S,
    token: S,
    tls: table({ enabled: B, ca_file: S, domain: S }),
  }),
  state: table({ path: S }),
  http: table({
    enabled: B,
    address: S,
    api_key: S,
    cors: table({
      enabled: B,
      allowed_origins: L,
      allowed_methods: L,
      allowed_headers: L,
      exposed_headers: L,
      allow_credentials: B,
      allow_private_network: B,
    }),
    tls: table({ enabled: B, cert_file: S, key_file: S }),
    metrics: table({ enabled: B, endpoint: S }),
  }),
  connectors: table({ config_type: S, config_dir: S }),
  telemetry: { kind: 'ignored' },
  logging: { kind: 'ignored' },
  sinks: { kind: 'map', of: sinkShape },
  sources: { kind: 'map', of: sourceShape },
});

export const isTable = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** The canonical name of `key` in a table shape (itself, or what it is a synonym of). */
export function canonicalKey(shape: Shape, key: string): string | undefined {
  if (shape.kind !== 'table') return undefined;
  if (key in shape.fields) return key;
  return shape.synonyms?.[key];
}

/**
 * Reports unknown keys (with a "did you mean" hint) and tables or arrays where the
 * shape wants the other thing. Leaf values are checked by the normalizer, which knows their rules.
 */
export function checkKeys(value: unknown, shape: Shape, path: string, problems: Problems): void {
  switch (shape.kind) {
    case 'table': {
      if (!isTable(value)) {
        problems.add(path, `expected a table, got ${describe(value)}`);
        return;
      }
      const known = [...Object.keys(shape.fields), ...Object.keys(shape.synonyms ?? {})];
      for (const [key, child] of Object.entries(value)) {
        const canonical = canonicalKey(shape, key);
        if (canonical === undefined) {
          const hint = closest(key, known);
          problems.add(
            joinPath(path, key),
            hint ? `unknown key \`${key}\`; did you mean \`${hint}\`?` : `unknown key \`${key}\`; expected one of: ${known.join(', ')}`,
          );
          continue;
        }
        checkKeys(child, shape.fields[canonical], joinPath(path, key), problems);
      }
      return;
    }
    case 'map':
      if (!isTable(value)) {
        problems.add(path, `expected a table, got ${describe(value)}`);
        return;
      }
      for (const [key, child] of Object.entries(value)) checkKeys(child, shape.of, joinPath(path, key), problems);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        problems.add(path, `expected an array, got ${describe(value)}`);
        return;
      }
      value.forEach((item, i) => checkKeys(item, shape.of, joinPath(path, i), problems));
      return;
    default:
      return;
  }
}
