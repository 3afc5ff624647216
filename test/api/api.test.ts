// The HTTP API against a real runtime (the dev broker and the real Iggy server,
// supervisor, JS source and Rust file sink in worker threads): every endpoint's shape, the api-key, a restart
// mid-stream that loses and skips nothing, and metrics equal to what really moved.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forEachTarget } from '../helpers/iggy-target.js';
import { eventually } from '../helpers/runtime-process.js';
import { connectorIn, sampleValue, startRuntimeFixture, type StatsBody } from './runtime-fixture.js';

const KEY = 'test-key-0123456789';
const TOTAL = 6_000;

forEachTarget(import.meta.url, (target) => {
  test('HTTP API on a running pipeline: endpoints, api-key, restart mid-stream, metrics', async (t) => {
    const rt = await startRuntimeFixture({ total: TOTAL, perPoll: 20, pollInterval: '25ms', apiKey: KEY, target: target() });
    t.after(() => rt.close());

    await t.test('GET / and /health answer without the key', async () => {
      const root = (await (await rt.request('/')).json()) as { name: string; version: string };
      assert.deepEqual(root, { name: 'iggy-connectors', version: '9.9.9-test' });
      const health = await rt.request('/health');
      assert.equal(health.status, 200);
      assert.deepEqual(await health.json(), { status: 'healthy' });
    });

    await t.test('every other endpoint answers 401 without the key or with a wrong one, revealing nothing', async () => {
      for (const path of ['/stats', '/metrics', '/sinks', '/sinks/file', '/sinks/file/configs', '/sources', '/no/such/path']) {
        for (const key of [undefined, 'wrong', `${KEY}x`, KEY.slice(0, -1)]) {
          const res = await rt.request(path, key === undefined ? {} : { key });
          assert.equal(res.status, 401, `GET ${path} with key ${JSON.stringify(key)}`);
          const body = (await res.json()) as { code: string; message: string };
          assert.equal(body.code, 'API_UNAUTHORIZED', `GET ${path}`);
          assert.doesNotMatch(body.message, /file|stats|sink|not found/i, `the 401 for ${path} says nothing about the path`);
        }
      }
      const restart = await rt.request('/sinks/file/restart', { method: 'POST', key: 'wrong' });
      assert.equal(restart.status, 401);
    });

    await t.test('GET /sinks and /sources list every configured connector, disabled ones included', async () => {
      const sinks = await rt.getJson<Record<string, unknown>[]>('/sinks', KEY);
      assert.deepEqual(
        sinks.map((s) => [s.key, s.enabled]),
        [
          ['file', true],
          ['spare', false],
        ],
      );
      const file = sinks[0]!;
      for (const field of ['id', 'key', 'name', 'path', 'version', 'enabled', 'status', 'state', 'restarts', 'plugin_config_format'])
        assert.ok(field in file, `GET /sinks entries have "${field}": ${JSON.stringify(file)}`);
      assert.equal(file.name, 'File');
      assert.equal(sinks[1]!.status, 'stopped');
      const sources = await rt.getJson<Record<string, unknown>[]>('/sources', KEY);
      assert.deepEqual(
        sources.map((s) => s.key),
        ['numbers'],
      );
    });

    await t.test('GET /sinks/{key} has streams and stats; /configs is redacted; unknown keys are 404 JSON', async () => {
      const detail = await rt.getJson<{ key: string; streams: { stream: string; topics: string[]; consumer_group: string }[]; stats: Record<string, unknown> }>(
        '/sinks/file',
        KEY,
      );
      assert.equal(detail.key, 'file');
      assert.deepEqual(
        detail.streams.map((s) => [s.stream, s.topics, s.consumer_group]),
        [[rt.stream, ['numbers'], 'file_sink']],
      );
      for (const field of ['messages_consumed', 'messages_processed', 'errors', 'lag', 'offsets'])
        assert.ok(field in detail.stats, `sink stats have "${field}"`);

      const configs = await rt.getJson<{ key: string; active: boolean; config: Record<string, unknown> }[]>('/sinks/file/configs', KEY);
      assert.equal(configs.length, 1);
      assert.equal(configs[0]!.active, true);
      assert.equal(configs[0]!.config.path, '/out/messages.ndjson');
      const spare = await rt.getJson<{ key: string; config: Record<string, unknown> }[]>('/sinks/spare/configs', KEY);
      assert.equal(spare[0]!.config.print_payload, false);
      assert.equal(spare[0]!.config.database_password, '***', 'secrets in a connector config are masked');
      assert.doesNotMatch(JSON.stringify(spare), /hunter2/);

      const source = await rt.getJson<{ key: string; streams: { topic: string }[] }>('/sources/numbers', KEY);
      assert.deepEqual(
        source.streams.map((s) => s.topic),
        ['numbers'],
      );

      const missing = await rt.request('/sinks/nope', { key: KEY });
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { code: 'SINK_NOT_FOUND', message: 'no sink with key "nope" in the config; GET /sinks lists them' });
      const wrongMethod = await rt.request('/sinks/file', { method: 'POST', key: KEY });
      assert.equal(wrongMethod.status, 405);
      assert.equal(((await wrongMethod.json()) as { code: string }).code, 'API_METHOD_NOT_ALLOWED');
      const disabled = await rt.request('/sinks/spare/restart', { method: 'POST', key: KEY });
      assert.equal(disabled.status, 409);
      assert.equal(((await disabled.json()) as { code: string }).code, 'CONNECTOR_DISABLED');
    });

    await t.test('restarting the sink mid-stream loses and skips nothing; metrics match what moved', async () => {
      const midway = await eventually(
        async () => {
          const stats = await rt.getJson<StatsBody>('/stats', KEY);
          return (connectorIn(stats, 'sink', 'file').messages_processed ?? 0) >= 300 ? stats : undefined;
        },
        60_000,
        'the sink to process its first 300 messages',
      );
      const sentBefore = connectorIn(midway, 'source', 'numbers').messages_sent ?? 0;
      assert.ok(
        sentBefore < TOTAL,
        `the restart must land mid-stream (the source had sent ${sentBefore} of ${TOTAL}); slow the source down if the machine got faster`,
      );

      const restart = await rt.request('/sinks/file/restart', { method: 'POST', key: KEY });
      assert.equal(restart.status, 204, await restart.text());
      const after = connectorIn(await rt.getJson<StatsBody>('/stats', KEY), 'sink', 'file');
      assert.equal(after.restarts, 1);
      assert.deepEqual(after.restart_reasons, { manual: 1 });

      const lines = await eventually(
        async () => {
          const l = await rt.sinkLines();
          return l.length >= TOTAL ? l : undefined;
        },
        90_000,
        `${TOTAL} lines from the sink`,
      );
      const seqs = new Set(lines.map((line) => (JSON.parse(line) as { seq: number }).seq));
      for (let seq = 0; seq < TOTAL; seq++) assert.ok(seqs.has(seq), `message ${seq} is missing after the restart`);
      assert.equal(Math.max(...seqs), TOTAL - 1);

      // The worker reports every 500 ms: wait until the counters have caught up with the file.
      const final = await eventually(
        async () => {
          const stats = await rt.getJson<StatsBody>('/stats', KEY);
          const sink = connectorIn(stats, 'sink', 'file');
          const written = (await rt.sinkLines()).length;
          return sink.messages_processed === written && sink.lag === 0 && connectorIn(stats, 'source', 'numbers').messages_sent === TOTAL ? stats : undefined;
        },
        20_000,
        'the sink counters to match the lines written and the lag to reach 0',
      );
      const sink = connectorIn(final, 'sink', 'file');
      const source = connectorIn(final, 'source', 'numbers');
      assert.equal(sink.state, 'running');
      assert.equal(sink.messages_consumed, sink.messages_processed, 'everything consumed was processed (no filters)');
      assert.ok(sink.messages_processed! >= TOTAL, `counters keep counting across the restart (${sink.messages_processed})`);
      assert.equal(source.messages_produced, TOTAL);
      assert.deepEqual(sink.offsets, { [`${rt.stream}/numbers/0`]: String(TOTAL - 1) }, 'the stored offset is the last message');
      assert.equal(final.sinks_total, 2);
      assert.equal(final.sinks_running, 1);
      assert.equal(final.sources_running, 1);
      assert.ok(final.memory_usage > 0 && final.run_time > 0 && final.process_id === process.pid);

      const metricsRes = await rt.request('/metrics', { key: KEY });
      assert.equal(metricsRes.status, 200);
      assert.match(metricsRes.headers.get('content-type') ?? '', /^text\/plain/);
      const text = await metricsRes.text();
      const sinkLabels = { connector_key: 'file', connector_type: 'sink' };
      const sourceLabels = { connector_key: 'numbers', connector_type: 'source' };
      assert.equal(sampleValue(text, 'iggy_connector_messages_sent_total', sourceLabels), TOTAL);
      assert.equal(sampleValue(text, 'iggy_connector_messages_produced_total', sourceLabels), TOTAL);
      assert.equal(sampleValue(text, 'iggy_connector_messages_processed_total', sinkLabels), sink.messages_processed);
      assert.equal(sampleValue(text, 'iggy_connector_messages_consumed_total', sinkLabels), sink.messages_consumed);
      assert.equal(sampleValue(text, 'iggy_connector_restarts_total', { ...sinkLabels, reason: 'manual' }), 1);
      assert.equal(sampleValue(text, 'iggy_connector_restarts_total', { ...sinkLabels, reason: 'trap' }), 0);
      assert.equal(sampleValue(text, 'iggy_connector_consumer_lag_messages', { ...sinkLabels, stream: rt.stream, topic: 'numbers', partition: '0' }), 0);
      assert.equal(sampleValue(text, 'iggy_connectors_sinks_total', {}), 2);
      assert.equal(sampleValue(text, 'iggy_connectors_sources_running', {}), 1);
      assert.equal(sampleValue(text, 'iggy_connector_state', { ...sinkLabels, state: 'running' }), 1);
      assert.ok((sampleValue(text, 'iggy_connector_guest_memory_bytes', sinkLabels) ?? 0) > 0, 'the guest memory gauge reads the live instance');
      const batches = sampleValue(text, 'iggy_connector_stage_duration_seconds_count', { ...sinkLabels, stage: 'guest_call' }) ?? 0;
      assert.ok(batches > 0, 'the guest_call stage histogram has observations');
      assert.equal(sampleValue(text, 'iggy_connector_stage_duration_seconds_bucket', { ...sinkLabels, stage: 'guest_call', le: '+Inf' }), batches);
      assert.ok((sampleValue(text, 'iggy_connector_stage_duration_seconds_count', { ...sourceLabels, stage: 'send' }) ?? 0) > 0);
    });
  });
});
