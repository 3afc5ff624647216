// The runtime's Prometheus registry: Iggy's connector metrics (same names and
// labels, so its dashboards keep working) plus the sandbox's own (restarts,
// guest memory, dead letters, lag). Every value is read from the supervisor's
// status when scraped, so the message path pays nothing for metrics.
import { Counter, Gauge, Registry } from 'prom-client';
import type { ConnectorState, ConnectorStatus, RestartReason } from '../supervisor/supervisor.js';
import { CONNECTOR_LABELS, connectorLabels, type ConnectorLabel } from './labels.js';
import { StageDurationHistogram } from './stage-histogram.js';

/** What the metrics read: the supervisor's live status and how many connectors the config declares. */
export interface MetricsSource {
  status(): ConnectorStatus[];
  /** Connectors in the config, disabled ones included (Iggy's `*_total` gauges count them). */
  configured(): { sinks: number; sources: number };
}

export const RESTART_REASONS: readonly RestartReason[] = ['trap', 'timeout', 'memory', 'crash', 'error', 'manual', 'neighbour'];
export const CONNECTOR_STATES: readonly ConnectorState[] = ['starting', 'running', 'restarting', 'failed', 'stopping', 'stopped'];

export interface RuntimeMetrics {
  readonly contentType: string;
  /** The Prometheus text exposition of every metric, read now. */
  render(): Promise<string>;
}

export function createRuntimeMetrics(source: MetricsSource): RuntimeMetrics {
  const registry = new Registry();
  // One status snapshot per scrape, shared by every collector of that scrape.
  let snapshot: ConnectorStatus[] = [];
  const connectors = (kind?: 'sink' | 'source') => (kind ? snapshot.filter((s) => s.kind === kind) : snapshot);

  const gauge = (name: string, help: string, value: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(value());
      },
    });
  gauge('iggy_connectors_sinks_total', 'Total configured sink connectors', () => source.configured().sinks);
  gauge('iggy_connectors_sinks_running', 'Sinks in Running status', () => connectors('sink').filter((s) => s.state === 'running').length);
  gauge('iggy_connectors_sources_total', 'Total configured source connectors', () => source.configured().sources);
  gauge('iggy_connectors_sources_running', 'Sources in Running status', () => connectors('source').filter((s) => s.state === 'running').length);

  // Counters are rebuilt from the cumulative totals at each scrape.
  const counter = (name: string, help: string, kind: 'sink' | 'source' | undefined, value: (s: ConnectorStatus) => number) =>
    new Counter<ConnectorLabel>({
      name,
      help,
      labelNames: CONNECTOR_LABELS,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of connectors(kind)) this.inc(connectorLabels(s), value(s));
      },
    });
  counter('iggy_connector_messages_consumed_total', 'Messages consumed from Iggy (sink)', 'sink', (s) => s.stats.messagesIn);
  counter('iggy_connector_messages_processed_total', 'Messages processed and sent to sink plugin', 'sink', (s) => s.stats.messagesOut);
  counter('iggy_connector_messages_produced_total', 'Messages received from source plugin poll', 'source', (s) => s.stats.messagesIn);
  counter('iggy_connector_messages_sent_total', 'Messages sent to Iggy (source)', 'source', (s) => s.stats.messagesOut);
  counter('iggy_connector_messages_filtered_total', 'Messages intentionally dropped by transforms', undefined, (s) => s.stats.messagesFiltered);
  counter('iggy_connector_errors_total', 'Errors encountered', undefined, (s) => s.stats.errors);
  counter('iggy_connector_messages_dead_lettered_total', 'Messages sent to the dead-letter topic', undefined, (s) => s.stats.messagesDeadLettered);
  counter('iggy_connector_retries_total', 'Transient failures retried (sink consume, Iggy calls)', undefined, (s) => s.stats.retries);

  new Counter<ConnectorLabel | 'reason'>({
    name: 'iggy_connector_restarts_total',
    help: 'Guest restarts by reason: trap, timeout, memory, crash, error, manual',
    labelNames: [...CONNECTOR_LABELS, 'reason'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of snapshot) {
        for (const reason of RESTART_REASONS) this.inc({ ...connectorLabels(s), reason }, s.restartReasons[reason] ?? 0);
      }
    },
  });

  new Gauge<ConnectorLabel | 'state'>({
    name: 'iggy_connector_state',
    help: '1 for the state the connector is in, 0 for the others',
    labelNames: [...CONNECTOR_LABELS, 'state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of snapshot) for (const state of CONNECTOR_STATES) this.set({ ...connectorLabels(s), state }, s.state === state ? 1 : 0);
    },
  });

  new Gauge<ConnectorLabel>({
    name: 'iggy_connector_guest_memory_bytes',
    help: 'Linear memory of the connector guest instance',
    labelNames: CONNECTOR_LABELS,
    registers: [registry],
    collect() {
      this.reset();
      for (const s of snapshot) this.set(connectorLabels(s), s.stats.guestMemoryBytes);
    },
  });

  new Gauge<ConnectorLabel | 'stream' | 'topic' | 'partition'>({
    name: 'iggy_connector_consumer_lag_messages',
    help: 'Messages in the partition after the last batch the sink delivered',
    labelNames: [...CONNECTOR_LABELS, 'stream', 'topic', 'partition'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of connectors('sink')) {
        for (const [where, lag] of Object.entries(s.stats.lag)) {
          const [stream = '', topic = '', partition = ''] = splitPartitionKey(where);
          this.set({ ...connectorLabels(s), stream, topic, partition }, lag);
        }
      }
    },
  });

  registry.registerMetric(
    new StageDurationHistogram('iggy_connector_stage_duration_seconds', 'Per-batch processing stage duration in seconds', () => snapshot),
  );

  new Counter({
    name: 'process_cpu_seconds_total',
    help: 'User and system CPU time of the runtime process, all threads',
    registers: [registry],
    collect() {
      const { user, system } = process.cpuUsage();
      this.reset();
      this.inc((user + system) / 1e6);
    },
  });
  gauge('process_resident_memory_bytes', 'Resident memory of the runtime process', () => process.memoryUsage.rss());
  const startSeconds = Math.round(Date.now() / 1000 - process.uptime());
  gauge('process_start_time_seconds', 'Start time of the runtime process since the Unix epoch', () => startSeconds);

  return {
    contentType: registry.contentType,
    async render() {
      snapshot = source.status();
      return registry.metrics();
    },
  };
}

/** "stream/topic/partition", where stream and topic names may themselves contain "/": the partition is last, the stream first. */
function splitPartitionKey(key: string): [string, string, string] {
  const last = key.lastIndexOf('/');
  const first = key.indexOf('/');
  if (first < 0 || last === first) return [key, '', ''];
  return [key.slice(0, first), key.slice(first + 1, last), key.slice(last + 1)];
}
