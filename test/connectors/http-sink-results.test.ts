// End to end, per document: messages in the dev broker → runtime → the real Rust
// http-sink → a local server answering as Elasticsearch's _bulk or Quickwit's ingest
// API would, with some documents refused. Exactly the refused messages reach the
// dead-letter topic, the retryable ones are resent alone, and the offset is committed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { messages } from '../../runtime/batch/flat-batch.js';
import { headerEntries, Polling } from '../../runtime/iggy/codec/index.js';
import type { IggyClient } from '../../runtime/iggy/index.js';
import { DeadLetterHeader } from '../../runtime/pipeline/dead-letter.js';
import { brokerWithClient } from '../helpers/iggy.js';
import { guestPath } from '../helpers/paths.js';
import { eventually, startRuntime, runtimeHeader, type RuntimeProcess } from '../helpers/runtime-process.js';
import { startFakeElasticsearch, startFakeQuickwit, type ItemAnswer } from './search-engines.js';

const STREAM = 'bulk-e2e';
const TOPIC = 'events';
const DLQ = { stream: 'bulk-dlq', topic: 'failed' };

interface Dead {
  n: number;
  offset: string;
  reason: string;
}

async function seeded(t: { after: (fn: () => Promise<void>) => void }, payloads: string[]): Promise<{ client: IggyClient; port: number; dir: string }> {
  const { broker, client } = await brokerWithClient(t);
  const dir = await mkdtemp(join(tmpdir(), 'http-results-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await client.createStream(STREAM);
  await client.createTopic(STREAM, TOPIC);
  await client.sendMessages(
    STREAM,
    TOPIC,
    { kind: 'partition', id: 0 },
    payloads.map((p) => ({ payload: Buffer.from(p) })),
  );
  return { client, port: broker.port, dir };
}

function sinkToml(port: number, dir: string, serverPort: number, config: string, errors: string, batchSize = 100): string {
  return `
${runtimeHeader(port, dir)}
[sinks.search]
path = "${guestPath('rust', 'http-sink')}"
[[sinks.search.streams]]
stream = "${STREAM}"
topics = ["${TOPIC}"]
schema = "json"
batch_size = ${batchSize}
poll_interval = "5ms"
consumer_group = "search"
[sinks.search.permissions]
allowed_hosts = ["127.0.0.1:${serverPort}"]
[sinks.search.errors]
on_permanent = "dead_letter"
dead_letter = { stream = "${DLQ.stream}", topic = "${DLQ.topic}" }
${errors}
[sinks.search.config]
${config}
`;
}

const storedOffset = async (client: IggyClient): Promise<bigint | undefined> =>
  (await client.getConsumerOffset(STREAM, TOPIC, { kind: 'group', id: 'search' }, 0))?.storedOffset;

async function deadLetters(client: IggyClient): Promise<Dead[]> {
  const polled = await client
    .pollMessages(DLQ.stream, DLQ.topic, { consumer: 'inspect', partitionId: 0, strategy: Polling.first(), count: 10_000 })
    .catch(() => undefined);
  if (!polled) return [];
  return [...messages(polled.batch)].map((m) => {
    const h = Object.fromEntries([...headerEntries(m.headers)].map((e) => [e.key.toString(), e.value.toString()]));
    return { n: (JSON.parse(m.payload.toString()) as { n: number }).n, offset: h[DeadLetterHeader.offset], reason: h[DeadLetterHeader.reason] };
  });
}

/** Waits until the whole topic is committed, then stops the runtime cleanly. */
async function drain(runtime: RuntimeProcess, client: IggyClient, last: number): Promise<void> {
  await eventually(
    async () => ((await storedOffset(client)) === BigInt(last) ? true : undefined),
    90_000,
    `offset ${last} committed`,
    () => runtime.tail(),
  );
  assert.equal(await runtime.stop('SIGTERM'), 0);
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Document n: every tenth from 3 on is refused for good, every tenth from 7 on is rejected once (429), 42 is always unavailable (503). */
function esItem(doc: Record<string, unknown>, _id: string, attempt: number): ItemAnswer {
  const n = doc.n as number;
  if (n % 10 === 3) return { status: 400, error: { type: 'document_parsing_exception', reason: `[1:6] failed to parse field [n] of ${n}` } };
  if (n === 42) return { status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } };
  if (n % 10 === 7 && attempt === 1) return { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of write' } };
  return { status: 201 };
}

test(
  '_bulk with errors: true: the sink resends only the 429 documents, splits a batch the server calls too large, and exactly the refused messages are dead-lettered while the offset moves on',
  { timeout: 180_000 },
  async (t) => {
    const total = 250;
    const { client, port, dir } = await seeded(
      t,
      range(total).map((n) => JSON.stringify({ n })),
    );
    // Batches of 100 are refused as a whole (413): the sink halves them.
    const es = await startFakeElasticsearch({ item: esItem, maxDocs: 60 });
    t.after(() => es.close());
    const config = `url = "http://127.0.0.1:${es.port}/_bulk"\nformat = "elasticsearch_bulk"\nindex = "orders"\nrefresh = "wait_for"\nmax_retries = 2\nretry_backoff_ms = 20\non_give_up = "permanent"`;
    const runtime = await startRuntime(dir, sinkToml(port, dir, es.port, config, ''));
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await drain(runtime, client, total - 1);

    const refused = range(total).filter((n) => n % 10 === 3 || n === 42);
    const dead = await deadLetters(client);
    assert.deepEqual(
      dead.map((d) => d.n),
      refused,
      'exactly the refused documents are dead-lettered, in order',
    );
    for (const d of dead) {
      assert.equal(d.offset, String(d.n), `dead letter ${d.n} names its origin offset`);
      if (d.n === 42) assert.match(d.reason, /_bulk index answered 503: unavailable_shards_exception.*offset 42.*gave up after 3 attempt/);
      else assert.match(d.reason, new RegExp(`_bulk index answered 400: document_parsing_exception: \\[1:6\\] failed to parse field \\[n\\] of ${d.n}`));
    }
    const delivered = range(total).filter((n) => !refused.includes(n));
    assert.deepEqual(
      [...es.docs.keys()].sort(),
      delivered.map((n) => `${STREAM}-${TOPIC}-0-${n}`).sort(),
      'every other message was indexed under its stable _id',
    );
    assert.ok(
      [...es.docs.values()].every((d) => d.writes === 1),
      'no accepted document was written twice',
    );

    for (const r of es.requests) {
      assert.equal(r.path, '/_bulk');
      assert.equal(r.query.get('refresh'), 'wait_for');
      assert.equal(r.headers['content-type'], 'application/x-ndjson');
    }
    const tooLarge = es.requests.filter((r) => r.status === 413);
    assert.ok(tooLarge.length >= 2, `the full batches were refused as too large (${tooLarge.length})`);
    assert.ok(
      es.requests.filter((r) => r.status === 200).every((r) => r.docs.length <= 60),
      'what got through was split',
    );
    // Every resend (a request whose documents were all offered before) carries only documents that got 429 or 503.
    const offered = new Set<string>();
    const resends = [];
    for (const r of es.requests.filter((q) => q.status === 200)) {
      if (r.docs.every((id) => offered.has(id))) resends.push(r);
      for (const id of r.docs) offered.add(id);
    }
    const n = (id: string): number => Number(id.split('-').at(-1));
    assert.ok(resends.length >= 1, 'some documents were resent');
    for (const r of resends) {
      assert.ok(
        r.docs.every((id) => n(id) % 10 === 7 || n(id) === 42),
        `a resend holds only retryable documents: ${r.docs.map(n).join(',')}`,
      );
    }
    assert.equal(
      es.requests.filter((r) => r.docs.includes(`${STREAM}-${TOPIC}-0-42`) && r.status === 200).length,
      3,
      'document 42 was offered 1 + max_retries times',
    );
  },
);

test(
  '_bulk, retries left to the host: 429 documents come back in a batch of their own, a lost answer resent with create counts its 409s as delivered, and the host dead-letters what stays unavailable after errors.max_retries',
  { timeout: 180_000 },
  async (t) => {
    const total = 100;
    const { client, port, dir } = await seeded(
      t,
      range(total).map((n) => JSON.stringify({ n })),
    );
    const es = await startFakeElasticsearch({ item: esItem, loseFirstAnswer: true });
    t.after(() => es.close());
    const config = `url = "http://127.0.0.1:${es.port}/orders/_bulk"\nformat = "elasticsearch_bulk"\nbulk_action = "create"\nmax_retries = 0\nretry_backoff_ms = 20`;
    const errors = 'max_retries = 3\nretry_initial = "20ms"\nretry_max = "50ms"';
    const runtime = await startRuntime(dir, sinkToml(port, dir, es.port, config, errors, 50));
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await drain(runtime, client, total - 1);

    const refused = range(total).filter((n) => n % 10 === 3 || n === 42);
    const dead = await deadLetters(client);
    assert.deepEqual(
      dead.map((d) => d.n),
      refused,
      'exactly the refused documents are dead-lettered',
    );
    assert.match(dead.find((d) => d.n === 42)!.reason, /503.*\(transient, 3 attempt\(s\)\)/, 'the host gave up on 42 after its own retries');
    assert.deepEqual(
      [...es.docs.keys()].sort(),
      range(total)
        .filter((n) => !refused.includes(n))
        .map((n) => `${STREAM}-${TOPIC}-0-${n}`)
        .sort(),
    );
    assert.ok(
      [...es.docs.values()].every((d) => d.writes === 1),
      'create never overwrites: the resent batch after the lost answer was refused with 409 and counted as delivered',
    );
    assert.equal(es.requests[0].status, 502);
    assert.deepEqual(es.requests[1].docs, es.requests[0].docs, 'the batch whose answer was lost is sent again whole');
    // After the first batch's two requests, a request with only 7s and 42 is the host's re-offer of the transient failures.
    const reoffers = es.requests.filter((r) => r.docs.length > 0 && r.docs.every((id) => /-(\d*7|42)$/.test(id)));
    assert.ok(reoffers.length >= 2, `the host offered the 429 documents again on their own (${reoffers.length} such requests)`);
    const retried = await runtime.waitForLog((l) => /offering them again/.test(String(l.msg)), 1_000, 'the host logging its per-message retry');
    assert.equal(retried.level, 40);
  },
);

test(
  'quickwit: NDJSON to /api/v1/<index>/ingest with commit and detailed_response, a 429 retried, rejected documents matched by their text and dead-lettered, a pretty-printed payload sent as one line',
  { timeout: 180_000 },
  async (t) => {
    const total = 120;
    const payloads = range(total).map((n) => (n === 5 ? JSON.stringify({ n, note: 'pretty' }, null, 2) : JSON.stringify({ n })));
    const { client, port, dir } = await seeded(t, payloads);
    const qw = await startFakeQuickwit({
      reject: (doc) => ((doc.n as number) % 4 === 1 ? `field n: value ${String(doc.n)} is odd` : undefined),
      refuse: [{ status: 429, message: 'too many requests: the ingest queue is full' }],
    });
    t.after(() => qw.close());
    const config = `url = "http://127.0.0.1:${qw.port}/api/v1/events/ingest"\nformat = "quickwit"\ncommit = "force"\nretry_backoff_ms = 20`;
    const runtime = await startRuntime(dir, sinkToml(port, dir, qw.port, config, '', 50));
    t.after(() => runtime.stop('SIGKILL').then(() => undefined));
    await drain(runtime, client, total - 1);

    const rejected = range(total).filter((n) => n % 4 === 1);
    const dead = await deadLetters(client);
    assert.deepEqual(
      dead.map((d) => d.n),
      rejected,
    );
    for (const d of dead)
      assert.match(d.reason, new RegExp(`Quickwit rejected the document: invalid_schema: field n: value ${d.n} is odd \\(offset ${d.n}\\)`));
    assert.deepEqual(
      qw.accepted.map((d) => d.n).sort((a, b) => Number(a) - Number(b)),
      range(total).filter((n) => n % 4 !== 1),
      'the others were ingested once',
    );
    assert.equal(qw.requests[0].status, 429);
    assert.equal(qw.requests[1].body, qw.requests[0].body, 'the 429 resends the same body');
    for (const r of qw.requests) {
      assert.equal(r.query.get('commit'), 'force');
      assert.equal(r.query.get('detailed_response'), 'true');
      assert.equal(r.headers['content-type'], 'application/x-ndjson');
      assert.ok(r.body.endsWith('\n'));
    }
    const lineOf5 = qw.requests[1].body.split('\n').find((l) => l.includes('"pretty"'));
    assert.equal(lineOf5, '{   "n": 5,   "note": "pretty" }', 'the pretty-printed payload became one line');
  },
);

test('a 401 from the bulk endpoint stops the connector as misconfigured: nothing is dead-lettered and the offset stays', { timeout: 120_000 }, async (t) => {
  const { client, port, dir } = await seeded(
    t,
    range(20).map((n) => JSON.stringify({ n })),
  );
  const es = await startFakeElasticsearch({ refuse: [{ status: 401, type: 'security_exception', reason: 'missing authentication credentials' }] });
  t.after(() => es.close());
  const runtime = await startRuntime(dir, sinkToml(port, dir, es.port, `url = "http://127.0.0.1:${es.port}/_bulk"\nformat = "elasticsearch_bulk"`, ''));
  t.after(() => runtime.stop('SIGKILL').then(() => undefined));
  const stopped = await runtime.waitForLog(
    (l) => (l.err as { code?: string } | undefined)?.code === 'CONNECTOR_INVALID_CONFIG',
    60_000,
    'the connector to fail as misconfigured',
  );
  assert.match(String((stopped.err as { message?: string }).message), /answered 401: .*security_exception.*check bearer_token \/ basic_auth/);
  assert.equal(await storedOffset(client), undefined, 'no offset stored');
  assert.deepEqual(await deadLetters(client), []);
  assert.equal(es.requests.length, 1, 'not retried');
});
