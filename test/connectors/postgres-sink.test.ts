// End to end: messages in the dev broker → runtime → Rust postgres-sink → a real
// PostgreSQL server, through the host's postgres capability; then the same with
// a SIGKILL of the runtime mid-stream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUserHeaders } from '../../runtime/iggy/codec/index.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { guestPath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader } from '../helpers/runtime-process.js';
import { startPostgres, type TestPostgres } from './postgres-server.js';

const STREAM = 'pg-e2e';
const TOPIC = 'orders';

function config(brokerPort: number, dir: string, db: TestPostgres, extra: string, batchSize: number): string {
  return `
${runtimeHeader(brokerPort, dir)}

[sinks.pg]
path = "${guestPath('rust', 'postgres-sink')}"
[[sinks.pg.streams]]
stream = "${STREAM}"
topics = ["${TOPIC}"]
schema = "json"
batch_size = ${batchSize}
poll_interval = "5ms"
consumer_group = "pg_sink"
[sinks.pg.permissions]
allowed_hosts = ["127.0.0.1:${db.port}"]
[sinks.pg.config]
# The real password comes from the environment (IGGY_CONNECTORS_SINK_PG_CONFIG_CONNECTION).
connection = "postgres://iggy:placeholder@127.0.0.1:${db.port}/postgres"
${extra}
`;
}

async function count(db: TestPostgres, table: string): Promise<number> {
  try {
    const r = await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    return Number(r.rows[0].n);
  } catch {
    return 0;
  }
}

test('N messages become exactly N rows with their Iggy metadata; a batch offered again adds nothing', { timeout: 120_000 }, async (t) => {
  const db = await startPostgres(t);
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'pg-sink-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const total = 500;
  await client.createStream(STREAM);
  await client.createTopic(STREAM, TOPIC);
  const headers = encodeUserHeaders([{ key: 'origin', value: 'test' }]);
  await client.sendMessages(
    STREAM,
    TOPIC,
    { kind: 'partition', id: 0 },
    Array.from({ length: total }, (_, n) => ({
      id: BigInt(n) + (1n << 100n),
      payload: Buffer.from(JSON.stringify({ n, customer: { name: `c${n}` } })),
      headers: n % 2 ? headers : undefined,
    })),
  );
  // Rows for offsets 10..19 exist already, as if an earlier delivery of that batch had committed before a crash.
  const table = 'orders_sink';
  await db.pool.query(`CREATE TABLE ${table} (iggy_stream text NOT NULL, iggy_topic text NOT NULL, iggy_partition integer NOT NULL, iggy_offset bigint NOT NULL,
    iggy_id numeric(39,0) NOT NULL, iggy_timestamp timestamptz NOT NULL, iggy_headers jsonb, payload jsonb, n integer, customer text,
    PRIMARY KEY (iggy_stream, iggy_topic, iggy_partition, iggy_offset))`);
  await db.pool.query(`INSERT INTO ${table} SELECT $1, $2, 0, o, 0, now(), NULL, '{"earlier":true}', NULL, NULL FROM generate_series(10, 19) o`, [
    STREAM,
    TOPIC,
  ]);

  const extra = `table = "${table}"\ncolumns = [{ name = "n", path = "/n", type = "integer" }, { name = "customer", path = "/customer/name" }]`;
  const started = Date.now() * 1000;
  const runtime = await startRuntime(dir, config(broker.port, dir, db, extra, 64), { IGGY_CONNECTORS_SINK_PG_CONFIG_CONNECTION: db.url });
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  await eventually(
    async () => ((await count(db, table)) >= total ? true : undefined),
    60_000,
    `${total} rows in ${table}`,
    () => runtime.tail(),
  );
  assert.equal(await runtime.stop('SIGTERM'), 0);

  const rows = (
    await db.pool.query(`SELECT iggy_stream, iggy_topic, iggy_partition, iggy_offset::int AS offset, iggy_id::text AS id,
      (extract(epoch from iggy_timestamp) * 1000000)::bigint::text AS ts, iggy_headers, payload, n, customer FROM ${table} ORDER BY iggy_offset`)
  ).rows as {
    iggy_stream: string;
    iggy_topic: string;
    iggy_partition: number;
    offset: number;
    id: string;
    ts: string;
    iggy_headers: unknown;
    payload: unknown;
    n: number | null;
    customer: string | null;
  }[];
  assert.equal(rows.length, total, 'exactly one row per message');
  rows.forEach((row, i) => {
    assert.equal(row.offset, i, `row ${i} offset`);
    assert.equal(row.iggy_stream, STREAM);
    assert.equal(row.iggy_topic, TOPIC);
    assert.equal(row.iggy_partition, 0);
    if (i >= 10 && i < 20) {
      assert.deepEqual(row.payload, { earlier: true }, `offset ${i} was already there: DO NOTHING keeps it`);
      return;
    }
    assert.deepEqual(row.payload, { n: i, customer: { name: `c${i}` } }, `offset ${i} payload`);
    assert.equal(row.n, i, `offset ${i} mapped column n`);
    assert.equal(row.customer, `c${i}`, `offset ${i} mapped column customer`);
    assert.equal(row.id, String(BigInt(i) + (1n << 100n)), `offset ${i} carries its 128-bit message id`);
    assert.deepEqual(row.iggy_headers, i % 2 ? { origin: 'test' } : null, `offset ${i} headers`);
    const ts = Number(row.ts);
    assert.ok(ts > started - 120_000_000 && ts < Date.now() * 1000 + 1_000_000, `offset ${i} server timestamp ${ts} is recent`);
  });
});

test('SIGKILL mid-stream and restart: every message is in the table exactly once', { timeout: 180_000 }, async (t) => {
  const db = await startPostgres(t);
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'pg-sink-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const total = 20_000;
  await client.createStream(STREAM);
  await client.createTopic(STREAM, TOPIC);
  for (let from = 0; from < total; from += 1000) {
    await client.sendMessages(
      STREAM,
      TOPIC,
      { kind: 'partition', id: 0 },
      Array.from({ length: 1000 }, (_, i) => ({ payload: Buffer.from(JSON.stringify({ n: from + i })) })),
    );
  }
  const toml = config(broker.port, dir, db, '', 50);
  const env = { IGGY_CONNECTORS_SINK_PG_CONFIG_CONNECTION: db.url };
  const first = await startRuntime(dir, toml, env);
  t.after(() => first.stop('SIGKILL').then(() => undefined));
  await eventually(
    async () => ((await count(db, 'iggy_messages')) >= 2_000 ? true : undefined),
    60_000,
    'the first 2,000 rows',
    () => first.tail(),
  );
  assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  const atKill = await count(db, 'iggy_messages');
  assert.ok(atKill < total, `the kill must land mid-stream (${atKill} of ${total} rows); raise total if the machine got faster`);

  const second = await startRuntime(dir, toml, env);
  t.after(() => second.stop('SIGKILL').then(() => undefined));
  await eventually(
    async () => ((await count(db, 'iggy_messages')) >= total ? true : undefined),
    120_000,
    `${total} rows after the restart`,
    () => second.tail(),
  );
  // Let anything still in flight land, then check nothing beyond the messages was written.
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await second.stop('SIGTERM'), 0);
  const r = await db.pool.query<{ rows: string; offsets: string; min: string; max: string; mismatched: string }>(
    `SELECT count(*) AS rows, count(DISTINCT iggy_offset) AS offsets, min(iggy_offset) AS min, max(iggy_offset) AS max,
            count(*) FILTER (WHERE (payload->>'n')::bigint <> iggy_offset) AS mismatched FROM iggy_messages`,
  );
  assert.deepEqual(
    r.rows[0],
    { rows: String(total), offsets: String(total), min: '0', max: String(total - 1), mismatched: '0' },
    'offsets 0..N-1, each once, each with its own payload',
  );
});
