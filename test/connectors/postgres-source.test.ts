// End to end: rows of a real PostgreSQL table → Rust postgres-source → runtime →
// dev broker. Rows inserted while the runtime runs and while it is stopped all
// reach the topic once, in order, after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messages } from '../../runtime/batch/flat-batch.js';
import { Polling } from '../../runtime/iggy/index.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { guestPath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader } from '../helpers/runtime-process.js';
import { startPostgres, type TestPostgres } from './postgres-server.js';

const STREAM = 'pg-source-e2e';
const TOPIC = 'rows';

function config(brokerPort: number, dir: string, db: TestPostgres): string {
  return `
${runtimeHeader(brokerPort, dir)}

[sources.pgrows]
path = "${guestPath('rust', 'postgres-source')}"
poll_interval = "20ms"
[[sources.pgrows.streams]]
stream = "${STREAM}"
topic = "${TOPIC}"
schema = "json"
batch_size = 100
linger_time = "5ms"
[sources.pgrows.permissions]
allowed_hosts = ["127.0.0.1:${db.port}"]
[sources.pgrows.config]
connection = "${db.url}"
table = "events"
cursor_column = "id"
columns = ["id", "name", "amount"]
batch_size = 40
`;
}

async function insertRows(db: TestPostgres, from: number, to: number): Promise<void> {
  await db.pool.query(`INSERT INTO events (id, name, amount) SELECT i, 'row ' || i, i * 1.5 FROM generate_series($1::int, $2::int) i`, [from, to]);
}

test('rows inserted while running and while stopped reach the topic once, in order, after a restart', { timeout: 120_000 }, async (t) => {
  const db = await startPostgres(t);
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'pg-source-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await db.pool.query('CREATE TABLE events (id bigint PRIMARY KEY, name text NOT NULL, amount numeric, ignored text)');
  await insertRows(db, 1, 100);

  const read = async (): Promise<{ id: string; name: string; amount: string }[]> => {
    const out: { id: string; name: string; amount: string }[] = [];
    const topic = await client.getTopic(STREAM, TOPIC).catch(() => undefined);
    if (!topic) return out;
    for (;;) {
      const polled = await client.pollMessages(STREAM, TOPIC, { consumer: 7, partitionId: 0, strategy: Polling.offset(BigInt(out.length)), count: 1000 });
      if (polled.batch.count === 0) return out;
      for (const m of messages(polled.batch)) out.push(JSON.parse(m.payload.toString('utf8')) as { id: string; name: string; amount: string });
    }
  };
  const toml = config(broker.port, dir, db);
  const first = await startRuntime(dir, toml);
  t.after(() => first.stop('SIGKILL').then(() => undefined));
  await eventually(
    async () => ((await read()).length >= 100 ? true : undefined),
    60_000,
    'the first 100 rows in the topic',
    () => first.tail(),
  );
  await insertRows(db, 101, 150);
  await eventually(
    async () => ((await read()).length >= 150 ? true : undefined),
    60_000,
    'rows inserted while running',
    () => first.tail(),
  );
  assert.equal(await first.stop('SIGTERM'), 0);

  await insertRows(db, 151, 300);
  const second = await startRuntime(dir, toml);
  t.after(() => second.stop('SIGKILL').then(() => undefined));
  await second.waitForLog(
    (l) => l.connector === 'pgrows' && String(l.msg).includes('source resumed from its saved state'),
    30_000,
    'the source to resume from its state',
  );
  await eventually(
    async () => ((await read()).length >= 300 ? true : undefined),
    60_000,
    'rows inserted while stopped',
    () => second.tail(),
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(await second.stop('SIGTERM'), 0);

  const rows = await read();
  assert.equal(rows.length, 300, 'no row is sent twice');
  rows.forEach((row, i) => {
    // bigint and numeric come as text (JSON numbers cannot hold them exactly).
    assert.deepEqual(row, { id: String(i + 1), name: `row ${i + 1}`, amount: (1.5 * (i + 1)).toFixed(1) }, `message ${i}`);
  });
});
