// Micro-benchmark (not a test) of the hot paths the pipeline profiles name: poll-reply decode,
// send-batch encode, the broker's admission check, the JSON check and two transform chains, each
// against a baseline build in the same run (alternating rounds), reporting baseline ÷ current.
// Run after `npx tsc -p tsconfig.json`:
//   node scripts/bench/micro/hot-paths.mjs [baseline-dist] [ms-per-round] [case-name-filter]
// baseline-dist is another build's dist/ (e.g. of an older checkout); without it both sides are
// the current build, which shows the noise floor. It needs node_modules reachable from it.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const here = new URL('../../../dist/', import.meta.url);
const baseDir = process.argv[2] ? pathToFileURL(resolve(process.argv[2]) + '/') : here;
const ROUND_MS = Number(process.argv[3] ?? 100);
// The machine is shared: many short alternating rounds and the median keep load spikes out.
const ROUNDS = 21;
const ONLY = process.argv[4] ?? '';
const BATCH = 1000;

async function load(root) {
  const m = (p) => import(new URL(p, root).href);
  return {
    flat: await m('runtime/batch/flat-batch.js'),
    batch: await m('runtime/iggy/codec/batch.js'),
    messages: await m('runtime/iggy/codec/messages.js'),
    schema: await m('runtime/pipeline/schema/index.js'),
    transforms: await m('runtime/pipeline/transforms/index.js'),
  };
}

const cur = await load(here);
const base = await load(baseDir);

/** ~130-byte JSON events, the shape the pipeline benchmarks use. */
const events = Array.from({ length: BATCH }, (_, i) =>
  Buffer.from(JSON.stringify({ id: 100000 + i, user: `user-${i % 97}`, event: 'page_view', url: `/products/item-${i}`, ts: 1732500000000 + i, ref: 'sale', ok: true, score: 12.5 })),
);
const header = Buffer.from([2, 3, 0, 0, 0, 0x6b, 0x65, 0x79, 2, 5, 0, 0, 0, 0x76, 0x61, 0x6c, 0x75, 0x65]); // "key" => "value"

function inputs(withHeaders) {
  return events.map((payload, i) => ({ id: BigInt(i + 1) * 0x1_0000_0001n, originTimestamp: 1732500000000000n + BigInt(i), payload, headers: withHeaders ? header : undefined }));
}

/** A poll reply payload holding `records` batch records of BATCH / records messages. */
function pollReply(withHeaders, records) {
  const all = inputs(withHeaders);
  const per = BATCH / records;
  const parts = [];
  for (let r = 0; r < records; r++) {
    const rec = cur.batch.encodeBatch(all.slice(r * per, (r + 1) * per), { now: 1732500000000000n });
    rec.writeBigUInt64LE(BigInt(r * per) + 123456789n, 8); // base offset as a server stamps it
    rec.writeBigUInt64LE(1732500000000123n, 16);
    parts.push(rec);
  }
  const head = cur.messages.encodePollReplyHead({ partitionId: 1, currentOffset: 999999n, count: BATCH });
  return Buffer.concat([head, ...parts]);
}

function time(fn) {
  let n = 0;
  const t0 = process.hrtime.bigint();
  const limit = t0 + BigInt(ROUND_MS) * 1_000_000n;
  let t = t0;
  while (t < limit) {
    for (let k = 0; k < 20; k++) fn();
    n += 20;
    t = process.hrtime.bigint();
  }
  return Number(t - t0) / n / BATCH; // ns per message
}

function compare(name, makeBase, makeCur, result = (r) => r) {
  if (!name.includes(ONLY)) return;
  const fb = makeBase();
  const fc = makeCur();
  // Same results first: a faster path that answers differently is no improvement.
  const rb = result(fb());
  const rc = result(fc());
  if (!sameResult(rb, rc)) throw new Error(`${name}: baseline and current results differ`);
  const nb = [];
  const nc = [];
  for (let r = 0; r < ROUNDS; r++) {
    nb.push(time(fb));
    nc.push(time(fc));
  }
  const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
  const b = med(nb);
  const c = med(nc);
  console.log(`${name.padEnd(44)} baseline ${b.toFixed(1).padStart(7)} ns/msg  current ${c.toFixed(1).padStart(7)} ns/msg  ratio ${(b / c).toFixed(2)}x  (${(1e3 / c).toFixed(2)} M msgs/s)`);
}

function sameResult(a, b) {
  if (Buffer.isBuffer(a)) return Buffer.isBuffer(b) && a.equals(b);
  if (a && typeof a === 'object' && 'index' in a) return a.count === b.count && a.index.equals(b.index) && a.data.equals(b.data);
  if (a && typeof a === 'object' && 'batch' in a) return sameResult(a.batch, b.batch) && JSON.stringify(a.rejected) === JSON.stringify(b.rejected);
  return a === b;
}

for (const [label, withHeaders, records] of [['decodePollReply, 1 record', false, 1], ['decodePollReply, 10 records, headers', true, 10]]) {
  const reply = pollReply(withHeaders, records);
  compare(label, () => () => base.messages.decodePollReply(reply).batch, () => () => cur.messages.decodePollReply(reply).batch);
}

for (const [label, withHeaders] of [['writeBatch from FlatBatch', false], ['writeBatch from FlatBatch, headers', true]]) {
  const flat = cur.flat.buildBatch(inputs(withHeaders));
  const target = Buffer.alloc(cur.batch.batchSize(flat));
  const now = { now: 1732500000000000n };
  compare(label, () => () => base.batch.writeBatch(target, 0, flat, now), () => () => cur.batch.writeBatch(target, 0, flat, now), () => Buffer.from(target));
}
{
  // The dev broker's admission check of every send.
  const record = cur.batch.encodeBatch(inputs(true), { now: 1732500000000000n });
  const opts = { checksums: true, userHeaders: true };
  compare('verifyBatch checksums + headers (broker)', () => () => base.batch.verifyBatch(record, opts).frameStarts.length, () => () => cur.batch.verifyBatch(record, opts).frameStarts.length);
}
{
  const msgs = inputs(true);
  const req = { streamId: 1, topicId: 1, partitioning: { kind: 'balanced' }, messages: msgs };
  const now = { now: 1732500000000000n, headroom: 8 };
  try {
    cur.messages.encodeSendMessages(req, now);
    compare('encodeSendMessages from inputs, headers', () => () => base.messages.encodeSendMessages(req, now), () => () => cur.messages.encodeSendMessages(req, now), (r) => r.subarray(now.headroom)); // the headroom is left unwritten
  } catch (e) {
    console.log(`encodeSendMessages skipped: ${e.message}`);
  }
}

{
  const batch = cur.flat.buildBatch(events.map((payload) => ({ payload })));
  compare('checkSchema json', () => () => base.schema.checkSchema(batch, 'json'), () => () => cur.schema.checkSchema(batch, 'json'));
  const numeric = cur.flat.buildBatch(events.map((_, i) => ({ payload: Buffer.from(JSON.stringify({ id: 1000000 + i, ts: 1732500000000 + i, seq: [1732500000000 + i, 1732500000001 + i, 1732500000002 + i], v: 12345.678 })) })));
  compare('checkSchema json, number-heavy', () => () => base.schema.checkSchema(numeric, 'json'), () => () => cur.schema.checkSchema(numeric, 'json'));
  const spec = [{ name: 'add_fields', enabled: true, path: 'sinks.bench.transforms.add_fields', options: { fields: [{ key: 'source', value: { static: 'bench' } }, { key: 'n', value: { static: 42 } }] } }];
  const clock = () => 1732500000123;
  const opts = { direction: 'sink', schema: 'json', clock };
  compare('add_fields (2 static)', () => { const c = base.transforms.compileTransforms(spec, opts); return () => c.apply(batch); }, () => { const c = cur.transforms.compileTransforms(spec, opts); return () => c.apply(batch); });
}

{
  // A dotted route path descends into a nested object per message.
  const nested = cur.flat.buildBatch(events.map((payload, i) => ({ payload: Buffer.from(`{"meta":{"kind":"${i % 2 ? 'a' : 'b'}","n":${i}},"body":${payload}}`) })));
  const spec = [{ name: 'route', enabled: true, path: 'sources.bench.transforms.route', options: { field: 'meta.kind', routes: { a: { stream: 's', topic: 'a' } }, default: { stream: 's', topic: 'other' } } }];
  const opts = { direction: 'source', schema: 'json', clock: () => 1732500000123 };
  const routes = (r) => Buffer.from(r.routes.buffer, r.routes.byteOffset, r.routes.byteLength);
  compare('route on a nested key', () => { const c = base.transforms.compileTransforms(spec, opts); return () => c.apply(nested); }, () => { const c = cur.transforms.compileTransforms(spec, opts); return () => c.apply(nested); }, routes);
}
