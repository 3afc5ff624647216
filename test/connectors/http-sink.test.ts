// End to end: messages in the dev broker → runtime → Rust http-sink → a local
// HTTP server, through the host's http-client capability and its allowed_hosts gate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brokerWithClient } from '../helpers/iggy.js';
import { guestPath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader } from '../helpers/runtime-process.js';
import { startHttpRecorder, type HttpRecorder } from './http-recorder.js';

const STREAM = 'http-e2e';
const TOPIC = 'events';

function runtimeConfig(brokerPort: number, dir: string, sinks: string): string {
  return `
${runtimeHeader(brokerPort, dir)}
${sinks}`;
}

function sinkSection(key: string, server: HttpRecorder, allowed: string, config: string, schema = 'json'): string {
  return `
[sinks.${key}]
path = "${guestPath('rust', 'http-sink')}"
[[sinks.${key}.streams]]
stream = "${STREAM}"
topics = ["${TOPIC}"]
schema = "${schema}"
batch_size = 100
poll_interval = "5ms"
consumer_group = "${key}"
[sinks.${key}.permissions]
allowed_hosts = [${allowed}]
[sinks.${key}.config]
url = "http://127.0.0.1:${server.port}/_bulk"
${config}
`;
}

interface BulkAction {
  index: { _index?: string; _id: string };
}
interface Doc {
  stream: string;
  topic: string;
  partition: number;
  offset: number;
  id: string;
  timestamp: number;
  payload: { n: number };
}

test(
  'elasticsearch _bulk: every message once, in the exact bulk format, 429 and 500 retried; a connector without the host in allowed_hosts is refused and logged',
  { timeout: 120_000 },
  async (t) => {
    const { broker, client } = await brokerWithClient(t);
    const dir = await mkdtemp(join(tmpdir(), 'http-sink-'));
    const server = await startHttpRecorder();
    t.after(async () => {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    });
    const total = 250;
    await client.createStream(STREAM);
    await client.createTopic(STREAM, TOPIC);
    await client.sendMessages(
      STREAM,
      TOPIC,
      { kind: 'partition', id: 0 },
      Array.from({ length: total }, (_, n) => ({ id: BigInt(1000 + n), payload: Buffer.from(JSON.stringify({ n })) })),
    );
    // The first batch meets a 429 (Retry-After: 1 s), then a 500, then goes through.
    server.plan([
      { status: 429, headers: { 'retry-after': '1' }, body: '{"error":"slow down"}' },
      { status: 500, body: '{"error":"boom"}' },
    ]);
    const bulk = sinkSection(
      'bulk',
      server,
      `"127.0.0.1:${server.port}"`,
      'format = "elasticsearch_bulk"\nindex = "iggy-events"\ninclude_metadata = true\nretry_backoff_ms = 50\nbearer_token = "s3cret"',
    );
    // Same server, but its allowed_hosts names another port: the host must refuse before connecting.
    const denied = sinkSection('fenced', server, `"127.0.0.1:1"`, 'format = "ndjson"');
    const runtime = await startRuntime(dir, runtimeConfig(broker.port, dir, bulk + denied));
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));

    const ok = () => server.requests.filter((r) => r.status === 200);
    await eventually(
      () => (ok().reduce((n, r) => n + r.body.split('\n').filter(Boolean).length / 2, 0) >= total ? true : undefined),
      60_000,
      `${total} documents at the server`,
      () => runtime.tail(),
    );
    const refusal = await runtime.waitForLog(
      (l) => l.connector === 'fenced' && String(l.msg).includes('network access denied'),
      30_000,
      'the fenced connector to be refused',
    );
    assert.match(
      String(refusal.msg),
      new RegExp(`127\\.0\\.0\\.1:${server.port} is not allowed: add "127\\.0\\.0\\.1:${server.port}" to this connector's permissions\\.allowed_hosts`),
    );
    assert.equal(refusal.level, 40, 'a refusal is logged as a warning');
    const stopped = await runtime.waitForLog(
      (l) => l.connector === 'fenced' && (l.err as { code?: string } | undefined)?.code === 'CONNECTOR_INVALID_CONFIG',
      30_000,
      'the fenced connector to fail as misconfigured',
    );
    assert.match(String((stopped.err as { message?: string }).message), /permissions\.allowed_hosts/);
    assert.equal(await runtime.stop('SIGTERM'), 0);

    const all = server.requests;
    assert.equal(all[0].status, 429);
    assert.equal(all[1].status, 500);
    assert.equal(all[2].status, 200);
    assert.equal(all[1].body, all[0].body, 'the retry after 429 resends the same batch');
    assert.equal(all[2].body, all[0].body, 'the retry after 500 resends the same batch');
    for (const r of all) {
      assert.equal(r.method, 'POST');
      assert.equal(r.url, '/_bulk');
      assert.equal(r.headers['content-type'], 'application/x-ndjson');
      assert.equal(r.headers.authorization, 'Bearer s3cret');
      assert.ok(r.body.endsWith('\n'), 'a _bulk body ends with a newline');
    }
    const seen = new Map<number, number>();
    for (const r of ok()) {
      const lines = r.body.split('\n').slice(0, -1);
      assert.equal(lines.length % 2, 0, `action/document pairs in ${r.body.slice(0, 200)}`);
      for (let i = 0; i < lines.length; i += 2) {
        const action = JSON.parse(lines[i]) as BulkAction;
        const doc = JSON.parse(lines[i + 1]) as Doc;
        assert.deepEqual(Object.keys(action), ['index']);
        assert.equal(action.index._index, 'iggy-events');
        assert.equal(action.index._id, `${STREAM}-${TOPIC}-0-${doc.offset}`);
        assert.equal(doc.stream, STREAM);
        assert.equal(doc.topic, TOPIC);
        assert.equal(doc.partition, 0);
        assert.equal(doc.payload.n, doc.offset, `message at offset ${doc.offset} carries its own payload`);
        assert.equal(doc.id, String(1000 + doc.offset));
        assert.ok(doc.timestamp > 1_600_000_000_000_000, `server timestamp in µs: ${doc.timestamp}`);
        seen.set(doc.offset, (seen.get(doc.offset) ?? 0) + 1);
      }
    }
    assert.equal(seen.size, total, 'every message reached the server');
    assert.ok(
      [...seen.values()].every((c) => c === 1),
      'no message was accepted twice',
    );
    // Only the allowed connector's requests reached the server: all of them carry the bulk token.
    assert.ok(
      all.every((r) => r.body.includes('"index"')),
      'the fenced ndjson connector never reached the server',
    );
  },
);

test('json array: after its own bounded retries the sink returns transient and the host offers the same batch again', { timeout: 120_000 }, async (t) => {
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'http-sink-'));
  const server = await startHttpRecorder();
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const total = 40;
  await client.createStream(STREAM);
  await client.createTopic(STREAM, TOPIC);
  await client.sendMessages(
    STREAM,
    TOPIC,
    { kind: 'partition', id: 0 },
    Array.from({ length: total }, (_, n) => ({ payload: Buffer.from(n % 2 ? JSON.stringify({ n }) : `plain text ${n}`) })),
  );
  // Two calls of two attempts each fail; the third call succeeds.
  server.plan(Array.from({ length: 4 }, () => ({ status: 503 })));
  const sink = sinkSection(
    'array',
    server,
    `"127.0.0.1:${server.port}"`,
    'format = "json_array"\nmax_retries = 1\nretry_backoff_ms = 20\nbasic_auth = { username = "user", password = "pa:ss" }\nheaders = { "X-Tenant" = "t1" }',
    'text',
  );
  const runtime = await startRuntime(dir, runtimeConfig(broker.port, dir, sink));
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  const ok = () => server.requests.filter((r) => r.status === 200);
  await eventually(
    () => (ok().reduce((n, r) => n + (JSON.parse(r.body) as unknown[]).length, 0) >= total ? true : undefined),
    60_000,
    `${total} documents at the server`,
    () => runtime.tail(),
  );
  const transient = runtime.logs.filter((l) => l.connector === 'array' && JSON.stringify(l).includes('gave up after 2 attempt(s)'));
  assert.ok(transient.length >= 1, `the host logged the sink's transient failure; logs:\n${runtime.tail(30)}`);
  assert.equal(await runtime.stop('SIGTERM'), 0);

  const all = server.requests;
  assert.deepEqual(
    all.slice(0, 5).map((r) => r.status),
    [503, 503, 503, 503, 200],
  );
  assert.ok(
    all.slice(1, 5).every((r) => r.body === all[0].body),
    'every attempt carries the same batch',
  );
  for (const r of all) {
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers.authorization, `Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    assert.equal(r.headers['x-tenant'], 't1');
  }
  const docs = ok().flatMap((r) => JSON.parse(r.body) as unknown[]);
  assert.deepEqual(
    docs,
    Array.from({ length: total }, (_, n) => (n % 2 ? { n } : `plain text ${n}`)),
    'JSON payloads go in as is, others as strings, in order, once',
  );
});

test('ndjson: a request that times out is sent again, and every line arrives once', { timeout: 120_000 }, async (t) => {
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'http-sink-'));
  const server = await startHttpRecorder();
  t.after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });
  const total = 30;
  await client.createStream(STREAM);
  await client.createTopic(STREAM, TOPIC);
  await client.sendMessages(
    STREAM,
    TOPIC,
    { kind: 'partition', id: 0 },
    Array.from({ length: total }, (_, n) => ({ payload: Buffer.from(JSON.stringify({ n })) })),
  );
  server.plan([{ status: 200, delayMs: 3_000 }]);
  const sink = sinkSection('lines', server, `"127.0.0.1:${server.port}"`, 'format = "ndjson"\ntimeout_ms = 300\nretry_backoff_ms = 20');
  const runtime = await startRuntime(dir, runtimeConfig(broker.port, dir, sink));
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  const lines = () => server.requests.slice(1).flatMap((r) => r.body.split('\n').filter(Boolean));
  await eventually(
    () => (lines().length >= total ? true : undefined),
    60_000,
    `${total} lines at the server`,
    () => runtime.tail(),
  );
  const retried = await runtime.waitForLog(
    (l) => l.connector === 'lines' && /no complete response within 300 ms; retrying/.test(String(l.msg)),
    10_000,
    'the guest to log the timeout',
  );
  assert.ok(retried);
  assert.equal(await runtime.stop('SIGTERM'), 0);
  const first = server.requests[0];
  assert.equal(first.headers['content-type'], 'application/x-ndjson');
  assert.equal(server.requests[1].body, first.body, 'the timed-out batch is sent again unchanged');
  assert.deepEqual(
    lines().map((l) => (JSON.parse(l) as { n: number }).n),
    Array.from({ length: total }, (_, n) => n),
    'every message once, in order, one per line',
  );
});
