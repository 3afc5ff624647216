// Throughput of the codec's hot paths (batch encode, admission verify, poll decode), measured
// beside the tests and printed as a diagnostic. The floor is an order of magnitude below what a
// quiet machine does, so a loaded CI box passes; only a gross regression fails it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatch, payloadOf } from '../../runtime/batch/flat-batch.js';
import { decodePollReply, decodeSendMessages, encodePollReplyHead, encodeSendMessages, verifyBatch } from '../../runtime/iggy/codec/index.js';

const MESSAGES = 1000;
const ROUNDS = 50;
const FLOOR = 20_000; // messages per second

function rate(run: () => void): number {
  run(); // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < ROUNDS; i++) run();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return (MESSAGES * ROUNDS) / seconds;
}

test('encode, verify and decode 1,000-message batches of 100-byte payloads', (t) => {
  const flat = buildBatch(Array.from({ length: MESSAGES }, (_, i) => ({ id: BigInt(i + 1), payload: Buffer.alloc(100, i & 0xff) })));
  let body: Buffer = Buffer.alloc(0);
  const encodeRate = rate(() => {
    body = encodeSendMessages({ streamId: 0, topicId: 0, partitioning: { kind: 'balanced' }, messages: flat });
  });
  const record = decodeSendMessages(body).batch;
  const verifyRate = rate(() => verifyBatch(record, { checksums: true, userHeaders: true }));
  const reply = Buffer.concat([encodePollReplyHead({ partitionId: 0, currentOffset: BigInt(MESSAGES - 1), count: MESSAGES }), record]);
  let last = decodePollReply(reply);
  const decodeRate = rate(() => {
    last = decodePollReply(reply);
  });
  t.diagnostic(`encode ${Math.round(encodeRate)} msg/s, verify ${Math.round(verifyRate)} msg/s, poll decode ${Math.round(decodeRate)} msg/s`);
  assert.equal(last.batch.count, MESSAGES);
  assert.deepEqual(payloadOf(last.batch, 7), Buffer.alloc(100, 7));
  for (const [name, r] of [
    ['encode', encodeRate],
    ['verify', verifyRate],
    ['decode', decodeRate],
  ] as const) {
    assert.ok(r > FLOOR, `${name} ran at ${Math.round(r)} msg/s, below the ${FLOOR} floor`);
  }
});
