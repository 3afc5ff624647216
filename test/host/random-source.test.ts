// The JS `random` example source through the host: deterministic payloads, ids and
// headers per the shared spec, max_messages, and resuming from the state blob.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { messageAt, type FlatBatch } from '../../runtime/batch/flat-batch.js';
import { ConnectorCallError, loadComponent, type LoadedComponent, type SourceGuest } from '../../runtime/host/index.js';
import { cache, captureLogger, exampleGuest } from './support.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const SOURCE_HEADER = Buffer.from([2, 6, 0, 0, 0, ...Buffer.from('source'), 2, 6, 0, 0, 0, ...Buffer.from('random')]);

/** The spec's generator, written independently of the guest. */
function expectedPayloads(seed: number, payloadSize: number, n: number): { payloads: string[]; rng: number } {
  let x = seed === 0 ? 2654435769 : seed;
  const payloads: string[] = [];
  for (let seq = 0; seq < n; seq++) {
    let data = '';
    for (let j = 0; j < payloadSize; j++) {
      x = (x ^ (x << 13)) >>> 0;
      x = (x ^ (x >>> 17)) >>> 0;
      x = (x ^ (x << 5)) >>> 0;
      data += ALPHABET[x % 36];
    }
    payloads.push(`{"seq":${seq},"data":"${data}"}`);
  }
  return { payloads, rng: x };
}

const payloads = (batch: FlatBatch) => Array.from({ length: batch.count }, (_, i) => messageAt(batch, i).payload.toString());

describe('random source (JS example)', () => {
  let component: LoadedComponent;
  const { logger } = captureLogger();

  before(async () => {
    component = await loadComponent(exampleGuest('random-source'), { logger, cache });
  });

  async function opened(config: string, state?: Uint8Array): Promise<SourceGuest> {
    const source = await component.instantiateSource();
    source.open(config, state);
    return source;
  }

  it('produces the spec sequence with ids, zero origin timestamps and the source header', async () => {
    assert.equal(component.kind, 'source');
    const source = await opened('{"count":3,"payload_size":5,"seed":42}');
    const first = source.poll();
    const second = source.poll();
    source.close();
    const expected = expectedPayloads(42, 5, 6);
    assert.deepEqual([...payloads(first.batch), ...payloads(second.batch)], expected.payloads);
    for (let i = 0; i < 3; i++) {
      const m = messageAt(second.batch, i);
      assert.equal(m.id, BigInt(i + 4));
      assert.equal(m.originTimestamp, 0n);
      assert.deepEqual(m.headers, SOURCE_HEADER);
    }
    assert.equal(Buffer.from(second.state!).toString(), `{"seq":6,"rng":${expected.rng}}`);
  });

  it('uses the defaults: 10 messages of 64 characters from seed 2654435769', async () => {
    const source = await opened('{}');
    const { batch } = source.poll();
    assert.deepEqual(payloads(batch), expectedPayloads(2654435769, 64, 10).payloads);
    assert.deepEqual(payloads((await opened('{"seed":0}')).poll().batch), payloads(batch));
  });

  it('continues the sequence exactly when reopened with the returned state', async () => {
    const first = await opened('{"count":4,"payload_size":7,"seed":7}');
    const { state } = first.poll();
    first.close();
    assert.ok(state);
    const resumed = await opened('{"count":4,"payload_size":7,"seed":7}', state);
    const next = resumed.poll();
    assert.deepEqual(payloads(next.batch), expectedPayloads(7, 7, 8).payloads.slice(4));
    assert.equal(messageAt(next.batch, 0).id, 5n);
  });

  it('keeps two live instances of one component apart', async () => {
    const a = await opened('{"count":2,"payload_size":3,"seed":1}');
    const b = await opened('{"count":2,"payload_size":3,"seed":2}');
    const seen = [a.poll(), b.poll(), a.poll(), b.poll()].map((r) => payloads(r.batch));
    assert.deepEqual([...seen[0], ...seen[2]], expectedPayloads(1, 3, 4).payloads);
    assert.deepEqual([...seen[1], ...seen[3]], expectedPayloads(2, 3, 4).payloads);
    assert.ok(a.memoryBytes() > 0 && b.memoryBytes() > 0);
  });

  it('stops at max_messages with a short batch, then empty batches without state', async () => {
    const source = await opened('{"count":4,"max_messages":6,"payload_size":1}');
    assert.equal(source.poll().batch.count, 4);
    const short = source.poll();
    assert.equal(short.batch.count, 2);
    assert.equal(Buffer.from(short.state!).toString().startsWith('{"seq":6,'), true);
    const empty = source.poll();
    assert.equal(empty.batch.count, 0);
    assert.equal(empty.state, undefined);
  });

  it('refuses a wrong config type and a corrupt state as invalid-config', async () => {
    const source = await component.instantiateSource();
    assert.throws(
      () => source.open('{"count":-1}'),
      (e: unknown) => e instanceof ConnectorCallError && e.kind === 'invalid-config' && /count/.test(e.message),
    );
    const other = await component.instantiateSource();
    assert.throws(
      () => other.open('{}', Buffer.from('not json')),
      (e: unknown) => e instanceof ConnectorCallError && e.kind === 'invalid-config' && /state/.test(e.message),
    );
  });
});
