// One million messages through sendMessages and pollMessages against the dev broker: every
// message comes back with its id, payload and headers, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevBroker } from '../../runtime/broker/index.js';
import { IggyClient, Polling } from '../../runtime/iggy/index.js';
import { encodeUserHeaders, HeaderKind } from '../../runtime/iggy/codec/index.js';
import { Field, INDEX_ENTRY_SIZE, headersOf, payloadOf, readU128, writeU128, type FlatBatch } from '../../runtime/batch/flat-batch.js';
import { silentLogger } from '../../runtime/log/logger.js';

const TOTAL = 1_000_000;
const BATCH = 10_000;

/** Payload of message i: its number, padded; headers: a fixed key and i as uint32. */
const payloadFor = (i: number): string => `payload-${i.toString().padStart(8, '0')}`;
const PAYLOAD_LENGTH = payloadFor(0).length;
const template = encodeUserHeaders([
  { key: 'seq', valueKind: HeaderKind.Uint32, value: Buffer.alloc(4) },
  { key: 'kind', value: 'roundtrip' },
]);
/** Where the uint32 value sits in the header block (after key kind, key length, "seq", value kind, value length). */
const SEQ_VALUE_AT = 1 + 4 + 3 + 1 + 4;

/** Builds batch b as one flat batch: two allocations for 10,000 messages. */
function batchNumber(b: number): FlatBatch {
  const entry = PAYLOAD_LENGTH + template.length;
  const index = Buffer.alloc(BATCH * INDEX_ENTRY_SIZE);
  const data = Buffer.allocUnsafe(BATCH * entry);
  for (let k = 0; k < BATCH; k++) {
    const i = b * BATCH + k;
    const at = k * entry;
    data.write(payloadFor(i), at, 'latin1');
    template.copy(data, at + PAYLOAD_LENGTH);
    data.writeUInt32LE(i, at + PAYLOAD_LENGTH + SEQ_VALUE_AT);
    const e = k * INDEX_ENTRY_SIZE;
    writeU128(index, e + Field.id, BigInt(i + 1));
    index.writeUInt32LE(at, e + Field.payloadStart);
    index.writeUInt32LE(PAYLOAD_LENGTH, e + Field.payloadLength);
    index.writeUInt32LE(at + PAYLOAD_LENGTH, e + Field.headersStart);
    index.writeUInt32LE(template.length, e + Field.headersLength);
  }
  return { count: BATCH, index, data };
}

test(`${TOTAL.toLocaleString('en')} messages round-trip with ids, payloads and headers intact, in order`, { timeout: 300_000 }, async () => {
  const broker = await startDevBroker({ host: '127.0.0.1', port: 0, logger: silentLogger() });
  const client = new IggyClient({ host: '127.0.0.1', port: broker.port, logger: silentLogger(), credentials: { username: 'iggy', password: 'iggy' } });
  try {
    await client.connect();
    await client.createStream('bulk');
    await client.createTopic('bulk', 'events');

    const started = Date.now();
    // Four sends in flight at a time: the connection pipelines them and the server keeps their order.
    for (let b = 0; b < TOTAL / BATCH; b += 4) {
      const sends: Array<Promise<unknown>> = [];
      for (let j = b; j < Math.min(b + 4, TOTAL / BATCH); j++) sends.push(client.sendMessages('bulk', 'events', { kind: 'partition', id: 0 }, batchNumber(j)));
      await Promise.all(sends);
    }
    const sent = Date.now();

    let next = 0;
    const expectedHeaders = Buffer.from(template);
    while (next < TOTAL) {
      const polled = await client.pollMessages('bulk', 'events', { consumer: 1, partitionId: 0, strategy: Polling.offset(next), count: BATCH });
      assert.ok(polled.batch.count > 0, `poll from offset ${next} returned nothing`);
      const ix = polled.batch.index;
      for (let k = 0; k < polled.batch.count; k++, next++) {
        const e = k * INDEX_ENTRY_SIZE;
        if (ix.readBigUInt64LE(e + Field.offset) !== BigInt(next)) assert.fail(`message ${next}: offset ${ix.readBigUInt64LE(e + Field.offset)}`);
        if (readU128(ix, e + Field.id) !== BigInt(next + 1)) assert.fail(`message ${next}: id ${readU128(ix, e + Field.id)}`);
        const payload = payloadOf(polled.batch, k);
        if (payload.toString('latin1') !== payloadFor(next)) assert.fail(`message ${next}: payload ${payload.toString('latin1')}`);
        const headers = headersOf(polled.batch, k);
        expectedHeaders.writeUInt32LE(next, SEQ_VALUE_AT);
        if (!headers.equals(expectedHeaders)) assert.fail(`message ${next}: headers ${headers.toString('hex')}`);
      }
    }
    assert.equal(next, TOTAL);
    const polledAt = Date.now();
    const tail = await client.pollMessages('bulk', 'events', { consumer: 1, partitionId: 0, strategy: Polling.offset(TOTAL), count: 10 });
    assert.equal(tail.batch.count, 0);
    assert.equal(tail.currentOffset, BigInt(TOTAL - 1));
    process.stdout.write(`# 1M round trip: send ${sent - started} ms, poll+check ${polledAt - sent} ms\n`);
  } finally {
    await client.close();
    await broker.close();
  }
});
