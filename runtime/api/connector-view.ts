// How a connector looks over the API: its config joined with the supervisor's
// live status, in the field names of Iggy's runtime API (snake_case, `status`
// with Iggy's values) plus the sandbox's own (`state`, restarts, lag).
import type { ConnectorConfig, RuntimeConfig, SinkConfig, SourceConfig } from '../config/index.js';
import type { ConnectorStats } from '../supervisor/protocol.js';
import type { ConnectorState, ConnectorStatus } from '../supervisor/supervisor.js';

/** Iggy's `ConnectorStatus` values; `restarting` shows as `starting`, `failed` as `error`. */
export type IggyStatus = 'starting' | 'running' | 'stopping' | 'stopped' | 'error';

const IGGY_STATUS: Record<ConnectorState, IggyStatus> = {
  starting: 'starting',
  running: 'running',
  restarting: 'starting',
  failed: 'error',
  stopping: 'stopping',
  stopped: 'stopped',
};

export interface ConnectorEntry {
  /** 1-based position among the connectors of its kind in the config. */
  id: number;
  config: ConnectorConfig;
  /** Absent for disabled connectors, which the supervisor never starts. */
  status?: ConnectorStatus;
}

export function connectorEntries(config: RuntimeConfig, statuses: readonly ConnectorStatus[], kind?: 'sink' | 'source'): ConnectorEntry[] {
  const byId = new Map(statuses.map((s) => [`${s.kind}s.${s.key}`, s]));
  const list = (configs: readonly ConnectorConfig[]): ConnectorEntry[] =>
    configs.map((c, i) => ({ id: i + 1, config: c, status: byId.get(`${c.kind}s.${c.key}`) }));
  return [...(kind === 'source' ? [] : list(config.sinks)), ...(kind === 'sink' ? [] : list(config.sources))];
}

export function findEntry(config: RuntimeConfig, statuses: readonly ConnectorStatus[], kind: 'sink' | 'source', key: string): ConnectorEntry | undefined {
  return connectorEntries(config, statuses, kind).find((e) => e.config.key === key);
}

const totalLag = (stats: ConnectorStats): number => Object.values(stats.lag).reduce((a, b) => a + b, 0);

/** The error that ended the last worker (with the restart table's advice in `action`), else the last one the pipeline counted. */
function lastError(entry: ConnectorEntry): { message: string; code?: string; name?: string; status?: number; action?: string } | undefined {
  const s = entry.status;
  if (!s) return undefined;
  if (s.lastError) {
    const e = s.lastError;
    return {
      message: e.message,
      ...(e.code ? { code: e.code } : {}),
      name: e.name,
      ...(e.status !== undefined ? { status: e.status } : {}),
      ...(e.action ? { action: e.action } : {}),
    };
  }
  return s.stats.lastError !== undefined ? { message: s.stats.lastError } : undefined;
}

/** The list entry of `GET /sinks` and `GET /sources` (Iggy's SinkInfoResponse plus ours). */
export function connectorInfo(entry: ConnectorEntry) {
  const { config, status } = entry;
  const error = lastError(entry);
  return {
    id: entry.id,
    key: config.key,
    name: config.name,
    path: config.path,
    version: String(config.version),
    enabled: config.enabled,
    status: status ? IGGY_STATUS[status.state] : ('stopped' as IggyStatus),
    state: status?.state ?? ('stopped' as ConnectorState),
    since: status ? new Date(status.since).toISOString() : null,
    restarts: status?.restarts ?? 0,
    restart_reasons: status?.restartReasons ?? {},
    ...(error ? { last_error: error } : {}),
    plugin_config_format: 'json',
  };
}

/** Message counters and gauges of one connector, named as Iggy's `/stats` names them for its kind. */
export function connectorCounters(kind: 'sink' | 'source', stats: ConnectorStats) {
  const moved =
    kind === 'sink'
      ? { messages_consumed: stats.messagesIn, messages_processed: stats.messagesOut }
      : { messages_produced: stats.messagesIn, messages_sent: stats.messagesOut };
  return {
    ...moved,
    messages_filtered: stats.messagesFiltered,
    messages_dead_lettered: stats.messagesDeadLettered,
    errors: stats.errors,
    retries: stats.retries,
    batches: stats.batches,
    ...(kind === 'sink' ? { lag: totalLag(stats), lag_by_partition: { ...stats.lag }, offsets: { ...stats.offsets } } : {}),
    guest_memory_bytes: stats.guestMemoryBytes,
  };
}

export function streamsOf(config: ConnectorConfig) {
  if (config.kind === 'sink') {
    return (config as SinkConfig).streams.map((s) => ({
      stream: s.stream,
      topics: s.topics,
      schema: s.schema,
      batch_length: s.batchSize,
      poll_interval_ms: s.pollIntervalMs,
      ...(s.consumerGroup ? { consumer_group: s.consumerGroup } : {}),
    }));
  }
  return (config as SourceConfig).streams.map((s) => ({
    stream: s.stream,
    topic: s.topic,
    schema: s.schema,
    batch_length: s.batchSize,
    linger_time_ms: s.lingerMs,
  }));
}
