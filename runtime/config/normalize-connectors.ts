// One `[sinks.<key>]` / `[sources.<key>]` table (from the main file or a connector
// file) turned into the normalized model: defaults, units, resolved paths, every problem.
import { existsSync, statSync } from 'node:fs';
import { extname, resolve, sep } from 'node:path';
import {
  DEFAULTS,
  SCHEMAS,
  defaultConsumerGroup,
  type ConnectorBase,
  type ErrorPolicy,
  type Partitioning,
  type Permissions,
  type Schema,
  type SinkConfig,
  type SinkStreamConfig,
  type SourceConfig,
  type SourceStreamConfig,
  type TransformSpec,
  type TransformValidator,
} from './model.js';
import { type Problems, describe, joinPath } from './problems.js';
import { ValueReader, toPlain, type Table } from './read-values.js';
import { isTable } from './shape.js';

export interface ConnectorContext {
  problems: Problems;
  /** Directory the connector's relative paths resolve against (its file's directory). */
  baseDir: string;
  sourceFile?: string;
  validateTransform?: TransformValidator;
}

const MIN_MEMORY = 64 * 1024; // one WebAssembly page
// Half a 32-bit address space: the JS glue reads guest pointers as signed 32-bit
// numbers, so an address at or above 2 GiB would come back negative.
const MAX_MEMORY = 2 * 1024 ** 3;

export function normalizeSink(key: string, table: Table, ctx: ConnectorContext): SinkConfig {
  const path = joinPath('sinks', key);
  const r = new ValueReader(ctx.problems);
  const base = normalizeBase(key, table, path, ctx);
  const streams = streamTables(table, path, r, ctx.problems).map(({ t, at }) => sinkStream(key, t, at, r));
  const sink: SinkConfig = { kind: 'sink', ...base, streams, errors: errorPolicy(table, path, r, ctx.problems) };
  checkTransforms(sink, ctx);
  return sink;
}

export function normalizeSource(key: string, table: Table, ctx: ConnectorContext): SourceConfig {
  const path = joinPath('sources', key);
  const r = new ValueReader(ctx.problems);
  const base = normalizeBase(key, table, path, ctx);
  const streams = streamTables(table, path, r, ctx.problems).map(({ t, at }) => sourceStream(t, at, r, ctx.problems));
  const pollIntervalMs = r.duration(table.poll_interval, joinPath(path, 'poll_interval'), DEFAULTS.sourcePollIntervalMs);
  const source: SourceConfig = { kind: 'source', ...base, streams, errors: errorPolicy(table, path, r, ctx.problems), pollIntervalMs };
  checkTransforms(source, ctx);
  return source;
}

function normalizeBase(key: string, table: Table, path: string, ctx: ConnectorContext): ConnectorBase {
  const { problems } = ctx;
  const r = new ValueReader(problems);
  const enabled = r.bool(table, path, 'enabled', true);
  r.bool(table, path, 'benchmark', false); // Iggy's per-batch timing flag: accepted, not used
  r.oneOf(table, path, 'plugin_config_format', ['json', 'toml', 'yaml', 'text'] as const, 'json');
  const config = r.pick(table, path, 'config', 'plugin_config');
  let guestConfig: Record<string, unknown> = {};
  if (config.value !== undefined) {
    if (isTable(config.value)) guestConfig = toPlain(config.value) as Record<string, unknown>;
    else problems.add(joinPath(path, config.key), `expected a table (the guest's config, handed to it as JSON), got ${describe(config.value)}`);
  }
  const base: ConnectorBase = {
    key,
    enabled,
    name: r.nonEmptyString(table, path, 'name') ?? key,
    path: componentPath(table, path, enabled, ctx),
    version: r.integer(table.version, joinPath(path, 'version'), 0, 0),
    verbose: r.bool(table, path, 'verbose', false),
    config: guestConfig,
    transforms: transforms(table, path, r, problems),
    permissions: permissions(table, path, enabled, r, ctx),
    limits: limits(table, path, r, problems),
    restart: restart(table, path, r, problems),
    tomlPath: path,
  };
  if (ctx.sourceFile !== undefined) base.sourceFile = ctx.sourceFile;
  return base;
}

function componentPath(table: Table, path: string, enabled: boolean, ctx: ConnectorContext): string {
  const r = new ValueReader(ctx.problems);
  if (!r.required(table, path, 'path', "the connector component's .wasm file")) return '';
  const text = r.nonEmptyString(table, path, 'path');
  if (text === undefined) return '';
  const resolved = resolve(ctx.baseDir, text);
  // A disabled connector need not be built; only what will run must exist.
  if (!enabled || isFile(resolved)) return resolved;
  // Iggy's files name plugins without their extension (the runtime adds the OS's); ours is `.wasm`.
  if (extname(resolved) === '' && isFile(`${resolved}.wasm`)) return `${resolved}.wasm`;
  const hint = resolved.includes(`${sep}guest-examples${sep}`) ? '; build the guests with `npm run build:guests`' : '';
  ctx.problems.add(joinPath(path, 'path'), `component not found: ${resolved}${hint}`);
  return resolved;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function streamTables(table: Table, path: string, r: ValueReader, problems: Problems): { t: Table; at: string }[] {
  if (!r.required(table, path, 'streams', 'at least one [[streams]] entry')) return [];
  const streams = table.streams;
  if (!Array.isArray(streams)) return []; // reported by the key check
  if (streams.length === 0) problems.add(joinPath(path, 'streams'), 'expected at least one [[streams]] entry, got an empty array');
  return streams.flatMap((t, i) => (isTable(t) ? [{ t, at: joinPath(joinPath(path, 'streams'), i) }] : []));
}

function schemaOf(t: Table, at: string, r: ValueReader): Schema {
  // Iggy's serde name for FlatBuffer is `flat_buffer`; its display name is `flatbuffer`.
  if (t.schema === 'flat_buffer') return 'flatbuffer';
  return r.oneOf(t, at, 'schema', SCHEMAS, 'json');
}

function sinkStream(key: string, t: Table, at: string, r: ValueReader): SinkStreamConfig {
  r.required(t, at, 'stream', 'the stream to consume from');
  r.required(t, at, 'topics', 'the topics to consume, e.g. ["events"]');
  const batch = r.pick(t, at, 'batch_size', 'batch_length');
  return {
    stream: r.nonEmptyString(t, at, 'stream') ?? '',
    topics: r.strings(t, at, 'topics', { nonEmpty: true }),
    schema: schemaOf(t, at, r),
    batchSize: r.integer(batch.value, joinPath(at, batch.key), DEFAULTS.batchSize, 1),
    pollIntervalMs: r.duration(t.poll_interval, joinPath(at, 'poll_interval'), DEFAULTS.sinkPollIntervalMs),
    consumerGroup: r.optionalString(t, at, 'consumer_group') ?? defaultConsumerGroup(key),
    path: at,
  };
}

function sourceStream(t: Table, at: string, r: ValueReader, problems: Problems): SourceStreamConfig {
  r.required(t, at, 'stream', 'the stream to produce to');
  r.required(t, at, 'topic', 'the topic to produce to');
  const batch = r.pick(t, at, 'batch_size', 'batch_length');
  return {
    stream: r.nonEmptyString(t, at, 'stream') ?? '',
    topic: r.nonEmptyString(t, at, 'topic') ?? '',
    schema: schemaOf(t, at, r),
    batchSize: r.integer(batch.value, joinPath(at, batch.key), DEFAULTS.batchSize, 1),
    lingerMs: r.duration(t.linger_time, joinPath(at, 'linger_time'), DEFAULTS.lingerMs),
    partitioning: partitioning(t.partitioning, joinPath(at, 'partitioning'), r, problems),
    path: at,
  };
}

const PARTITIONING_HELP = 'expected "balanced", { partition_id = <n> } or { messages_key = "<field>" }';

function partitioning(value: unknown, at: string, r: ValueReader, problems: Problems): Partitioning {
  if (value === undefined || value === 'balanced') return { kind: 'balanced' };
  if (value === 'messages_key') return { kind: 'messages_key' };
  if (isTable(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'partition_id') {
      return { kind: 'partition_id', partitionId: r.integer(value.partition_id, joinPath(at, 'partition_id'), 0, 0) };
    }
    if (keys.length === 1 && keys[0] === 'messages_key') {
      const field = r.nonEmptyString(value, at, 'messages_key');
      return field === undefined ? { kind: 'messages_key' } : { kind: 'messages_key', field };
    }
  }
  problems.add(at, `${PARTITIONING_HELP}, got ${isTable(value) ? `a table with keys ${Object.keys(value).join(', ') || '(none)'}` : describe(value)}`);
  return { kind: 'balanced' };
}

function transforms(table: Table, path: string, r: ValueReader, problems: Problems): TransformSpec[] {
  const all = r.table(table, path, 'transforms');
  if (!all) return [];
  const out: TransformSpec[] = [];
  for (const [name, value] of Object.entries(all)) {
    const at = joinPath(joinPath(path, 'transforms'), name);
    if (!isTable(value)) {
      problems.add(at, `expected a table ([${at}]), got ${describe(value)}`);
      continue;
    }
    const { enabled: _enabled, ...options } = value;
    out.push({ name, enabled: r.bool(value, at, 'enabled', true), options: toPlain(options) as Record<string, unknown>, path: at });
  }
  return out;
}

/** Transforms rewrite JSON documents; a `*_convert` transform is the exception, changing the encoding itself. */
function checkTransforms(connector: SinkConfig | SourceConfig, ctx: ConnectorContext): void {
  const schemas = [...new Set(connector.streams.map((s) => s.schema))];
  for (const spec of connector.transforms) {
    const nonJson = spec.enabled && !spec.name.endsWith('_convert') ? connector.streams.find((s) => s.schema !== 'json') : undefined;
    if (nonJson) {
      ctx.problems.add(
        spec.path,
        `transforms act on JSON payloads, but \`${nonJson.path.slice(connector.tomlPath.length + 1)}\` uses schema "${nonJson.schema}"; remove the transform or use schema = "json"`,
      );
    }
    if (!ctx.validateTransform) continue;
    // A disabled transform's options are still checked (a typo should not wait until it is enabled), but not against the stream's schema.
    const against: Schema[] = spec.enabled && schemas.length ? schemas : ['json'];
    for (const schema of against) {
      // The schema problem is reported once above; the validator would only repeat it.
      if (nonJson && schema !== 'json') continue;
      ctx.problems.addAll(ctx.validateTransform(spec.name, spec.options, spec.path, schema));
    }
  }
}

/** The `allowed_hosts` patterns the host's matcher understands (docs/security.md, "Network access"). */
const ALLOWED_HOST = /^(?:\*|(?:\*\.)?[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:.]+\]|[0-9A-Fa-f]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)(?::(?:\*|\d{1,5}))?$/;

function permissions(table: Table, path: string, enabled: boolean, r: ValueReader, ctx: ConnectorContext): Permissions {
  const at = joinPath(path, 'permissions');
  const t = r.table(table, path, 'permissions') ?? {};
  const preopens: Permissions['preopens'] = [];
  if (Array.isArray(t.preopens)) {
    t.preopens.forEach((p, i) => {
      const pAt = joinPath(joinPath(at, 'preopens'), i);
      if (!isTable(p)) return ctx.problems.add(pAt, `expected a table { host = "...", guest = "/..." }, got ${describe(p)}`);
      r.required(p, pAt, 'host', 'the host directory to expose');
      r.required(p, pAt, 'guest', 'the absolute path the guest sees it at');
      const host = r.nonEmptyString(p, pAt, 'host');
      const guest = r.nonEmptyString(p, pAt, 'guest');
      if (guest !== undefined && !guest.startsWith('/'))
        ctx.problems.add(joinPath(pAt, 'guest'), `expected an absolute guest path starting with "/", got ${describe(guest)}`);
      if (host === undefined || guest === undefined) return;
      const hostPath = resolve(ctx.baseDir, host);
      if (enabled && !isDirectory(hostPath)) ctx.problems.add(joinPath(pAt, 'host'), `directory not found: ${hostPath}`);
      preopens.push({ hostPath, guestPath: guest, readOnly: r.bool(p, pAt, 'read_only', true) });
    });
  }
  const env = r.strings(t, at, 'env');
  env.forEach((name, i) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      ctx.problems.add(joinPath(joinPath(at, 'env'), i), `expected an environment variable name, got ${describe(name)}`);
  });
  const allowedHosts = r.strings(t, at, 'allowed_hosts');
  allowedHosts.forEach((h, i) => {
    if (!ALLOWED_HOST.test(h)) {
      ctx.problems.add(
        joinPath(joinPath(at, 'allowed_hosts'), i),
        `expected "host", "host:port", "*.domain:port", "[ipv6]:port", "*:port" or "*" (no scheme, no path, port 0-65535 or *), got ${describe(h)}`,
      );
    }
  });
  const stdio = r.oneOf(t, at, 'stdio', ['log', 'inherit', 'discard'] as const, DEFAULTS.stdio);
  return { preopens, env, stdio, allowedHosts };
}

function isDirectory(p: string): boolean {
  return existsSync(p) && statSync(p).isDirectory();
}

function limits(table: Table, path: string, r: ValueReader, problems: Problems): ConnectorBase['limits'] {
  const at = joinPath(path, 'limits');
  const t = r.table(table, path, 'limits') ?? {};
  let memoryLimitBytes = r.size(t.memory_limit, joinPath(at, 'memory_limit'), DEFAULTS.memoryLimitBytes);
  if (memoryLimitBytes < MIN_MEMORY || memoryLimitBytes > MAX_MEMORY) {
    problems.add(
      joinPath(at, 'memory_limit'),
      `expected between 64 KiB (one WebAssembly page) and 2 GiB (guest addresses at or above 2 GiB are not supported), got ${describe(t.memory_limit)}`,
    );
    memoryLimitBytes = DEFAULTS.memoryLimitBytes;
  }
  const callTimeoutMs = r.duration(t.call_timeout, joinPath(at, 'call_timeout'), DEFAULTS.callTimeoutMs, { positive: true });
  return { memoryLimitBytes, callTimeoutMs };
}

function restart(table: Table, path: string, r: ValueReader, problems: Problems): ConnectorBase['restart'] {
  const at = joinPath(path, 'restart');
  const t = r.table(table, path, 'restart') ?? {};
  const initialDelayMs = r.duration(t.initial_delay, joinPath(at, 'initial_delay'), DEFAULTS.restartInitialDelayMs);
  const maxDelayMs = r.duration(t.max_delay, joinPath(at, 'max_delay'), DEFAULTS.restartMaxDelayMs);
  if (maxDelayMs < initialDelayMs)
    problems.add(joinPath(at, 'max_delay'), `must not be shorter than initial_delay (${initialDelayMs} ms), got ${maxDelayMs} ms`);
  const maxRestarts = r.integer(t.max_restarts, joinPath(at, 'max_restarts'), DEFAULTS.maxRestarts, 0);
  return { initialDelayMs, maxDelayMs, maxRestarts };
}

function errorPolicy(table: Table, path: string, r: ValueReader, problems: Problems): ErrorPolicy {
  const at = joinPath(path, 'errors');
  const t = r.table(table, path, 'errors') ?? {};
  const onPermanent = r.oneOf(t, at, 'on_permanent', ['stop', 'dead_letter'] as const, 'stop');
  const retryInitialMs = r.duration(t.retry_initial, joinPath(at, 'retry_initial'), DEFAULTS.retryInitialMs, { positive: true });
  const retryMaxMs = r.duration(t.retry_max, joinPath(at, 'retry_max'), DEFAULTS.retryMaxMs, { positive: true });
  if (retryMaxMs < retryInitialMs)
    problems.add(joinPath(at, 'retry_max'), `must not be shorter than retry_initial (${retryInitialMs} ms), got ${retryMaxMs} ms`);
  const policy: ErrorPolicy = {
    onPermanent,
    maxRetries: r.integer(t.max_retries, joinPath(at, 'max_retries'), DEFAULTS.maxRetries, 0),
    retryInitialMs,
    retryMaxMs,
  };
  const dl = r.table(t, at, 'dead_letter');
  if (dl) {
    const dlAt = joinPath(at, 'dead_letter');
    r.required(dl, dlAt, 'stream', 'the dead-letter stream');
    r.required(dl, dlAt, 'topic', 'the dead-letter topic');
    const stream = r.nonEmptyString(dl, dlAt, 'stream');
    const topic = r.nonEmptyString(dl, dlAt, 'topic');
    if (stream !== undefined && topic !== undefined) policy.deadLetter = { stream, topic };
  } else if (onPermanent === 'dead_letter' && t.dead_letter === undefined) {
    problems.add(
      joinPath(at, 'dead_letter'),
      'required key `dead_letter` is missing: on_permanent = "dead_letter" needs dead_letter = { stream = "...", topic = "..." }',
    );
  }
  return policy;
}
