// What crosses the boundary, byte for byte: the echo fixture prints a digest of each
// batch and the test computes the same digest on the host side.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildBatch, type FlatBatch, type MessageInput, messages } from '../../runtime/batch/flat-batch.js';
import { loadComponent, type LoadedComponent } from '../../runtime/host/index.js';
import { cache, captureLogger, fixtureGuest } from './support.js';

function fnv(hash: number, bytes: Uint8Array): number {
  for (const b of bytes) hash = Math.imul(hash ^ b, 16777619) >>> 0;
  return hash;
}

function headerPairs(h: Buffer): number {
  let entries = 0;
  for (let at = 0; at < h.length; at += 5 + h.readUInt32LE(at + 1)) entries++;
  return entries / 2;
}

function expectedDigest(batch: FlatBatch, first: bigint): string {
  let bytes = 0;
  let hash = 2166136261;
  let ids = 0n;
  let headerBytes = 0;
  let pairs = 0;
  const all = [...messages(batch)];
  for (const m of all) {
    bytes += m.payload.length;
    hash = fnv(hash, m.payload);
    ids += m.id;
    headerBytes += m.headers.length;
    pairs += headerPairs(m.headers);
  }
  const f = all.length ? String(all[0].offset) : '-';
  const l = all.length ? String(all[all.length - 1].offset) : '-';
  return `st/tp/1 current=${first} schema=json declared=${batch.count} count=${batch.count} bytes=${bytes} fnv=${hash.toString(16)} first=${f} last=${l} idsum=${ids} header_bytes=${headerBytes} header_pairs=${pairs}`;
}

describe('echo fixture digests', () => {
  let component: LoadedComponent;
  const capture = captureLogger();
  before(async () => {
    component = await loadComponent(fixtureGuest('echo-sink'), { logger: capture.logger, cache });
  });

  it('sees exactly the batches the host passes, including non-contiguous data', async () => {
    const header = Buffer.from([2, 1, 0, 0, 0, 0x6b, 9, 1, 0, 0, 0, 0xff]);
    const batches: FlatBatch[] = [
      buildBatch([]),
      buildBatch(
        Array.from({ length: 1000 }, (_, i): MessageInput => ({
          offset: BigInt(100 + i),
          id: BigInt(i) << 64n,
          payload: Buffer.alloc(i % 7, i),
          headers: i % 3 ? header : undefined,
        })),
      ),
      buildBatch([{ offset: 5n, payload: Buffer.alloc(1 << 20, 0x5a) }]),
    ];
    // Payloads need not be contiguous: pad data so entries point into the middle.
    const gapped = buildBatch([
      { offset: 1n, payload: Buffer.from('abc') },
      { offset: 2n, payload: Buffer.from('defg') },
    ]);
    const data = Buffer.concat([Buffer.alloc(48, 0xee), gapped.data.subarray(0, 3), Buffer.alloc(48, 0xee), gapped.data.subarray(3)]);
    gapped.index.writeUInt32LE(48, 48);
    gapped.index.writeUInt32LE(48, 56);
    gapped.index.writeUInt32LE(99, 64 + 48);
    gapped.index.writeUInt32LE(99, 64 + 56);
    batches.push({ count: 2, index: gapped.index, data });

    capture.records.length = 0;
    const sink = await component.instantiateSink();
    sink.open('{}');
    const expected: string[] = [];
    for (const batch of batches) {
      const first = batch.count ? batch.index.readBigUInt64LE(0) : 0n;
      sink.consume({ stream: 'st', topic: 'tp' }, { partitionId: 1, currentOffset: first, schema: 'json', messageCount: batch.count }, batch);
      expected.push(expectedDigest(batch, first));
    }
    sink.close();
    assert.deepEqual(capture.stdoutLines(), expected);
  });
});
