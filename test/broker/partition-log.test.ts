// The partition log on its own: offsets, record slicing, timestamps, and reopening its file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PartitionLog } from '../../runtime/broker/partition-log.js';
import { encodeBatch, verifyBatch, encodePollReplyHead, decodePollReply } from '../../runtime/iggy/codec/index.js';
import { messageAt, payloadOf } from '../../runtime/batch/flat-batch.js';

function record(payloads: string[]): Buffer {
  return encodeBatch(
    payloads.map((p, i) => ({ id: BigInt(i + 1), payload: Buffer.from(p) })),
    { now: 1n },
  );
}

function appendAll(log: PartitionLog, batches: string[][], t0 = 1_000n): void {
  batches.forEach((b, i) => {
    const r = record(b);
    log.append(r, verifyBatch(r, { checksums: true }), t0 + BigInt(i) * 10n);
  });
}

function readPayloads(log: PartitionLog, from: number, count: number): { offsets: bigint[]; payloads: string[]; pieces: number } {
  const read = log.read(from, count);
  const reply = Buffer.concat([encodePollReplyHead({ partitionId: log.id, currentOffset: log.currentOffset, count: read.count }), ...read.pieces]);
  const polled = decodePollReply(reply);
  const offsets: bigint[] = [];
  const payloads: string[] = [];
  for (let i = 0; i < polled.batch.count; i++) {
    offsets.push(messageAt(polled.batch, i).offset);
    payloads.push(payloadOf(polled.batch, i).toString());
  }
  return { offsets, payloads, pieces: read.pieces.length };
}

test('reads across record boundaries; whole records are one view each, cut records get a header', () => {
  const log = PartitionLog.inMemory(0);
  appendAll(log, [['a', 'b', 'c'], ['d'], ['e', 'f']]);
  assert.equal(log.nextOffset, 6);
  assert.equal(log.currentOffset, 5n);
  const all = readPayloads(log, 0, 100);
  assert.deepEqual(all.payloads, ['a', 'b', 'c', 'd', 'e', 'f']);
  assert.deepEqual(all.offsets, [0n, 1n, 2n, 3n, 4n, 5n]);
  assert.equal(all.pieces, 3, 'one stored view per whole record');
  const middle = readPayloads(log, 1, 4);
  assert.deepEqual(middle.payloads, ['b', 'c', 'd', 'e']);
  assert.equal(middle.pieces, 2 + 1 + 2, 'cut records are a header plus a frames view');
  assert.deepEqual(readPayloads(log, 6, 10).payloads, []);
  assert.deepEqual(readPayloads(log, 5, 10).offsets, [5n]);
  const capped = log.read(0, 100, 1);
  assert.equal(capped.count, 3, 'a byte cap still returns the first record, and stops at a record boundary');
  assert.equal(log.read(0, 100, capped.bytes + 1).count, 3);
});

test('timestamps: the first record stamped at or after the time', () => {
  const log = PartitionLog.inMemory(0);
  appendAll(log, [['a', 'b'], ['c'], ['d']], 100n);
  assert.equal(log.offsetAtTimestamp(0n), 0);
  assert.equal(log.offsetAtTimestamp(105n), 2);
  assert.equal(log.offsetAtTimestamp(110n), 2);
  assert.equal(log.offsetAtTimestamp(120n), 3);
  assert.equal(log.offsetAtTimestamp(121n), 4, 'nothing that late: the next offset');
});

test('a reopened file gives the same offsets, stamps and payloads', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'partition-log-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'p.log');
  const log = PartitionLog.openFile(2, path);
  appendAll(log, [['x', 'y'], ['z']]);
  const before = readPayloads(log, 0, 10);
  log.close();
  const again = PartitionLog.openFile(2, path);
  t.after(() => again.close());
  assert.deepEqual(readPayloads(again, 0, 10), before);
  assert.equal(again.offsetAtTimestamp(1_005n), 2);
});
