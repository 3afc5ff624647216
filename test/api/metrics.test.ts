// The Prometheus exposition built from supervisor status: Iggy's names and labels,
// cumulative histogram buckets from the workers' per-bucket counts, counters
// that keep rising across a connector's worker restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRuntimeMetrics } from '../../runtime/metrics/runtime-metrics.js';
import { addStats, emptyStats, observeStage, type ConnectorStats } from '../../runtime/supervisor/protocol.js';
import type { ConnectorStatus } from '../../runtime/supervisor/supervisor.js';
import { sampleValue } from './runtime-fixture.js';

function status(kind: 'sink' | 'source', key: string, stats: ConnectorStats, extra: Partial<ConnectorStatus> = {}): ConnectorStatus {
  return { key, kind, name: key, state: 'running', restarts: 0, restartReasons: {}, stats, since: 0, ...extra };
}

test('metrics carry Iggy names and labels; each kind has its own message counters', async () => {
  const sink = {
    ...emptyStats(),
    messagesIn: 120,
    messagesOut: 100,
    messagesFiltered: 20,
    errors: 2,
    messagesDeadLettered: 5,
    guestMemoryBytes: 65536,
    lag: { 'orders/eu/west/3': 42 },
  };
  const source = { ...emptyStats(), messagesIn: 7, messagesOut: 6 };
  const statuses = [
    status('sink', 'pg', sink, { restarts: 3, restartReasons: { trap: 2, manual: 1 } }),
    status('source', 'gen', source, { state: 'restarting' }),
  ];
  const metrics = createRuntimeMetrics({ status: () => statuses, configured: () => ({ sinks: 2, sources: 1 }) });
  const text = await metrics.render();
  assert.match(metrics.contentType, /^text\/plain; version=0\.0\.4/);
  const pg = { connector_key: 'pg', connector_type: 'sink' };
  const gen = { connector_key: 'gen', connector_type: 'source' };
  const expect: [string, Record<string, string>, number | undefined][] = [
    ['iggy_connectors_sinks_total', {}, 2],
    ['iggy_connectors_sinks_running', {}, 1],
    ['iggy_connectors_sources_total', {}, 1],
    ['iggy_connectors_sources_running', {}, 0],
    ['iggy_connector_messages_consumed_total', pg, 120],
    ['iggy_connector_messages_processed_total', pg, 100],
    ['iggy_connector_messages_produced_total', pg, undefined],
    ['iggy_connector_messages_produced_total', gen, 7],
    ['iggy_connector_messages_sent_total', gen, 6],
    ['iggy_connector_messages_consumed_total', gen, undefined],
    ['iggy_connector_messages_filtered_total', pg, 20],
    ['iggy_connector_errors_total', pg, 2],
    ['iggy_connector_messages_dead_lettered_total', pg, 5],
    ['iggy_connector_restarts_total', { ...pg, reason: 'trap' }, 2],
    ['iggy_connector_restarts_total', { ...pg, reason: 'manual' }, 1],
    ['iggy_connector_restarts_total', { ...pg, reason: 'timeout' }, 0],
    ['iggy_connector_state', { ...gen, state: 'restarting' }, 1],
    ['iggy_connector_state', { ...gen, state: 'running' }, 0],
    ['iggy_connector_guest_memory_bytes', pg, 65536],
    ['iggy_connector_consumer_lag_messages', { ...pg, stream: 'orders', topic: 'eu/west', partition: '3' }, 42],
  ];
  for (const [name, labels, value] of expect) assert.equal(sampleValue(text, name, labels), value, `${name}${JSON.stringify(labels)}`);
  assert.match(text, /^# TYPE iggy_connector_messages_consumed_total counter$/m);
  assert.ok((sampleValue(text, 'process_resident_memory_bytes', {}) ?? 0) > 0);
});

test('stage durations export as a cumulative Prometheus histogram', async () => {
  const stats = emptyStats();
  for (const seconds of [0.0002, 0.003, 20]) observeStage(stats, 'guest_call', seconds);
  const metrics = createRuntimeMetrics({ status: () => [status('sink', 'pg', stats)], configured: () => ({ sinks: 1, sources: 0 }) });
  const text = await metrics.render();
  const labels = { connector_key: 'pg', connector_type: 'sink', stage: 'guest_call' };
  const bucket = (le: string) => sampleValue(text, 'iggy_connector_stage_duration_seconds_bucket', { ...labels, le });
  assert.deepEqual(['0.0001', '0.00025', '0.001', '0.005', '10', '+Inf'].map(bucket), [0, 1, 1, 2, 2, 3]);
  assert.equal(sampleValue(text, 'iggy_connector_stage_duration_seconds_count', labels), 3);
  assert.ok(Math.abs(sampleValue(text, 'iggy_connector_stage_duration_seconds_sum', labels)! - 20.0032) < 1e-9);
  assert.equal(sampleValue(text, 'iggy_connector_stage_duration_seconds_count', { ...labels, stage: 'commit' }), 0, 'every stage is exported, observed or not');
});

test("a connector's counters add up over its workers; point-in-time values come from the newest", () => {
  const first = {
    ...emptyStats(),
    messagesIn: 10,
    messagesOut: 9,
    errors: 1,
    lastError: 'boom',
    offsets: { 's/t/0': '9' },
    lag: { 's/t/0': 5 },
    guestMemoryBytes: 100,
  };
  observeStage(first, 'poll', 0.001);
  const second = { ...emptyStats(), messagesIn: 4, messagesOut: 4, offsets: { 's/t/0': '13' }, lag: { 's/t/0': 0 }, guestMemoryBytes: 50 };
  observeStage(second, 'poll', 0.002);
  const total = addStats(first, second);
  assert.deepEqual([total.messagesIn, total.messagesOut, total.errors], [14, 13, 1]);
  assert.equal(total.lastError, 'boom', 'the last error stays visible after a restart');
  assert.deepEqual([total.offsets, total.lag, total.guestMemoryBytes], [{ 's/t/0': '13' }, { 's/t/0': 0 }, 50]);
  assert.equal(total.stages.poll.count, 2);
  assert.equal(
    total.stages.poll.buckets.reduce((a, b) => a + b, 0),
    2,
  );
  assert.equal(first.messagesIn, 10, 'the inputs are not changed');
});
