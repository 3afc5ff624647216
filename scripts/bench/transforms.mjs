// Benchmark (not a test) of the sink-side payload work on flat batches: checkSchema(json)
// and add_fields chains against a naive JSON.parse/JSON.stringify baseline in the same run.
// Run after `npx tsc -p tsconfig.json`: node scripts/bench/transforms.mjs [seconds-per-case]
import { Field, INDEX_ENTRY_SIZE } from '../../dist/runtime/batch/flat-batch.js';
import { checkSchema } from '../../dist/runtime/pipeline/schema/index.js';
import { compileTransforms } from '../../dist/runtime/pipeline/transforms/index.js';

const SECONDS = Number(process.argv[2] ?? 1.5);
const BATCH = 1000;

/** ~130-byte JSON events laid out like a poll reply: a 48-byte message header before each payload. */
function pollLikeBatch(count) {
  const payloads = Array.from({ length: count }, (_, i) =>
    Buffer.from(JSON.stringify({ id: 100000 + i, user: `user-${i % 97}`, event: 'page_view', url: `/products/item-${i}`, ts: 1732500000000 + i, ref: 'sale', ok: true, score: 12.5 })),
  );
  const index = Buffer.alloc(count * INDEX_ENTRY_SIZE);
  const data = Buffer.alloc(payloads.reduce((n, p) => n + 48 + p.length, 0));
  let at = 0;
  payloads.forEach((p, i) => {
    at += 48;
    p.copy(data, at);
    index.writeUInt32LE(at, i * INDEX_ENTRY_SIZE + Field.payloadStart);
    index.writeUInt32LE(p.length, i * INDEX_ENTRY_SIZE + Field.payloadLength);
    index.writeUInt32LE(at + p.length, i * INDEX_ENTRY_SIZE + Field.headersStart);
    at += p.length;
  });
  return { batch: { count, index, data }, avg: payloads.reduce((n, p) => n + p.length, 0) / count };
}

/** Naive validation: decode and JSON.parse every payload. */
function naiveCheck(batch) {
  let bad = 0;
  for (let i = 0; i < batch.count; i++) {
    const s = batch.index.readUInt32LE(i * INDEX_ENTRY_SIZE + Field.payloadStart);
    const l = batch.index.readUInt32LE(i * INDEX_ENTRY_SIZE + Field.payloadLength);
    try {
      JSON.parse(batch.data.toString('utf8', s, s + l));
    } catch {
      bad++;
    }
  }
  return bad;
}

/** Naive add_fields: parse, set, stringify, then copy into one new data buffer with a fresh index. */
function naiveAdd(batch, fields) {
  const out = new Array(batch.count);
  let total = 0;
  for (let i = 0; i < batch.count; i++) {
    const s = batch.index.readUInt32LE(i * INDEX_ENTRY_SIZE + Field.payloadStart);
    const l = batch.index.readUInt32LE(i * INDEX_ENTRY_SIZE + Field.payloadLength);
    const obj = JSON.parse(batch.data.toString('utf8', s, s + l));
    for (const f of fields) obj[f.key] = f.value();
    out[i] = Buffer.from(JSON.stringify(obj));
    total += out[i].length;
  }
  const data = Buffer.allocUnsafe(total);
  const index = Buffer.from(batch.index);
  let at = 0;
  for (let i = 0; i < batch.count; i++) {
    index.writeUInt32LE(at, i * INDEX_ENTRY_SIZE + Field.payloadStart);
    index.writeUInt32LE(out[i].length, i * INDEX_ENTRY_SIZE + Field.payloadLength);
    at += out[i].copy(data, at);
  }
  return { count: batch.count, index, data };
}

/** Messages per wall second and per CPU second (the machine may be shared), best of three rounds. */
function measure(fn) {
  let bestWall = 0;
  let bestCpu = 0;
  for (let round = 0; round < 3; round++) {
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const until = t0 + BigInt(Math.round((SECONDS / 3) * 1e9));
    let n = 0;
    while (process.hrtime.bigint() < until) {
      fn();
      n += BATCH;
    }
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpuUsed = process.cpuUsage(cpu0);
    bestWall = Math.max(bestWall, n / wall);
    bestCpu = Math.max(bestCpu, n / ((cpuUsed.user + cpuUsed.system) / 1e6));
  }
  return { wall: bestWall, cpu: bestCpu };
}

const spec = (fields) => [{ name: 'add_fields', enabled: true, path: 'sinks.bench.transforms.add_fields', options: { fields } }];
const { batch, avg } = pollLikeBatch(BATCH);
const addStatic = compileTransforms(spec([{ key: 'source', value: { static: 'iggy' } }]), { direction: 'sink', schema: 'json' });
const addComputed = compileTransforms(
  spec([
    { key: 'source', value: { static: 'iggy' } },
    { key: 'ingested_at', value: { computed: 'timestamp_millis' } },
    { key: 'uid', value: { computed: 'uuid_v4' } },
  ]),
  { direction: 'sink', schema: 'json' },
);
const chainOf = (name, options) => compileTransforms([{ name, enabled: true, path: `sinks.bench.transforms.${name}`, options }], { direction: 'sink', schema: 'json' });
const deleteFields = chainOf('delete_fields', { fields: ['ref', 'score'] });
const filterDrop = chainOf('filter', { mode: 'drop', patterns: [{ key_pattern: { exact: 'user' }, value_pattern: { equals: 'user-1' } }] });
const nowMs = () => Date.now();
const uuid = () => crypto.randomUUID();

// Sanity: the fast paths produce what the naive path produces.
const fast = addStatic.apply(batch).batch;
const slow = naiveAdd(batch, [{ key: 'source', value: () => 'iggy' }]);
if (!fast.data.equals(slow.data)) throw new Error('add_fields output differs from the JSON.parse/stringify baseline');
if (checkSchema(batch, 'json').rejected.length !== 0 || naiveCheck(batch) !== 0) throw new Error('benchmark batch must be valid JSON');

const cases = [
  ['checkSchema(json)', () => checkSchema(batch, 'json'), 'naive JSON.parse', () => naiveCheck(batch)],
  ['add_fields 1 static', () => addStatic.apply(batch), 'naive parse+set+stringify', () => naiveAdd(batch, [{ key: 'source', value: () => 'iggy' }])],
  [
    'add_fields static+timestamp+uuid_v4',
    () => addComputed.apply(batch),
    'naive parse+set+stringify',
    () => naiveAdd(batch, [{ key: 'source', value: () => 'iggy' }, { key: 'ingested_at', value: nowMs }, { key: 'uid', value: uuid }]),
  ],
  ['delete_fields 2 keys', () => deleteFields.apply(batch), 'naive parse+delete+stringify', () => naiveAdd(batch, [{ key: 'ref', value: () => undefined }, { key: 'score', value: () => undefined }])],
  ['filter (equals on one key)', () => filterDrop.apply(batch), 'naive JSON.parse + compare', () => naiveFilter(batch)],
];

/** Naive filter: parse each payload and test one field. */
function naiveFilter(batch) {
  let kept = 0;
  for (let i = 0; i < batch.count; i++) {
    const s = batch.index.readUInt32LE(i * INDEX_ENTRY_SIZE + Field.payloadStart);
    const l = batch.index.readUInt32LE(i * INDEX_ENTRY_SIZE + Field.payloadLength);
    if (JSON.parse(batch.data.toString('utf8', s, s + l)).user !== 'user-1') kept++;
  }
  return kept;
}

const fmt = (n) => `${(n / 1e6).toFixed(2)} M/s`;
console.log(`node ${process.version}, batches of ${BATCH} messages, average payload ${avg.toFixed(1)} bytes, ${SECONDS}s per case`);
console.log('case | ours (wall, per CPU-s) | baseline (wall, per CPU-s) | speed-up (CPU)');
for (const [name, ours, baseName, base] of cases) {
  const a = measure(ours);
  const b = measure(base);
  console.log(`${name} | ${fmt(a.wall)}, ${fmt(a.cpu)} | ${baseName}: ${fmt(b.wall)}, ${fmt(b.cpu)} | ${(a.cpu / b.cpu).toFixed(2)}x`);
}
