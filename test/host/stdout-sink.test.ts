// The JS `stdout` example sink run through the host: what it prints for each kind
// of batch (empty payloads, 1 MiB, every header kind, 10,000 messages) and how it
// reports a bad config.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildBatch, type MessageInput } from '../../runtime/batch/flat-batch.js';
import { ConnectorCallError, loadComponent, type BatchMetadata, type LoadedComponent } from '../../runtime/host/index.js';
import { cache, captureLogger, exampleGuest } from './support.js';

const topic = { stream: 'orders', topic: 'created' };
const meta = (count: number, first = 0n): BatchMetadata => ({ partitionId: 3, currentOffset: first, schema: 'raw', messageCount: count });

/** One header pair: key kind 2 `key`, then a value of `kind` with `value` bytes (Iggy's TLV). */
function pair(key: string, kind: number, value: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const out = Buffer.alloc(10 + k.length + value.length);
  out[0] = 2;
  out.writeUInt32LE(k.length, 1);
  k.copy(out, 5);
  out[5 + k.length] = kind;
  out.writeUInt32LE(value.length, 6 + k.length);
  out.set(value, 10 + k.length);
  return out;
}

const VALUE_BY_KIND: Record<number, number[]> = {
  1: [0xde, 0xad],
  2: [0x68, 0x69],
  3: [1],
  4: [0xff],
  5: [1, 2],
  6: [1, 2, 3, 4],
  7: [1, 0, 0, 0, 0, 0, 0, 0],
  8: new Array(16).fill(7),
  9: [9],
  10: [1, 0],
  11: [1, 0, 0, 0],
  12: new Array(8).fill(1),
  13: new Array(16).fill(2),
  14: [0, 0, 0x80, 0x3f],
  15: [0, 0, 0, 0, 0, 0, 0xf0, 0x3f],
};

describe('stdout sink (JS example)', () => {
  let component: LoadedComponent;
  const capture = captureLogger();

  before(async () => {
    component = await loadComponent(exampleGuest('stdout-sink'), { logger: capture.logger, cache });
  });

  async function run(config: string, batches: MessageInput[][]): Promise<string[]> {
    capture.records.length = 0;
    const sink = await component.instantiateSink();
    sink.open(config);
    let offset = 0n;
    for (const inputs of batches) {
      sink.consume(topic, meta(inputs.length, offset), buildBatch(inputs));
      offset += BigInt(inputs.length);
    }
    sink.close();
    return capture.stdoutLines();
  }

  it('is a sink and logs that it opened', async () => {
    assert.equal(component.kind, 'sink');
    await run('{}', []);
    assert.ok(
      capture.records.some((r) => r.msg === 'stdout sink opened' && r.level === 30 && r.origin === 'guest'),
      JSON.stringify(capture.records),
    );
  });

  it('prints payloads, ids as decimals and empty payloads', async () => {
    const lines = await run('{"print_payload":true}', [
      [
        { offset: 0n, id: 1n, payload: Buffer.from('{"a":1}') },
        { offset: 1n, id: (1n << 127n) + 5n, payload: Buffer.alloc(0) },
        { offset: 2n, id: 0n, payload: Buffer.from([0x61, 0xff, 0x62]) },
      ],
    ]);
    assert.deepEqual(lines, [
      'orders/created/3 offset=0 id=1 payload={"a":1} headers=0',
      `orders/created/3 offset=1 id=${(1n << 127n) + 5n} payload= headers=0`,
      'orders/created/3 offset=2 id=0 payload=a\uFFFDb headers=0',
    ]);
  });

  it('prints sizes without print_payload, including a 1 MiB payload', async () => {
    const big = Buffer.alloc(1 << 20, 0x41);
    const lines = await run('{"print_payload":false}', [
      [
        { offset: 7n, id: 9n, payload: big },
        { offset: 8n, payload: Buffer.alloc(0) },
      ],
    ]);
    assert.deepEqual(lines, ['orders/created/3 offset=7 id=9 size=1048576 headers=0', 'orders/created/3 offset=8 id=0 size=0 headers=0']);
  });

  it('counts header pairs of every kind 1..15', async () => {
    const all = Buffer.concat(Object.entries(VALUE_BY_KIND).map(([kind, v]) => pair(`k${kind}`, Number(kind), Uint8Array.from(v))));
    const lines = await run('{}', [
      [
        { offset: 0n, payload: Buffer.from('x'), headers: all },
        { offset: 1n, payload: Buffer.from('y'), headers: pair('only', 2, Buffer.from('one')) },
      ],
    ]);
    assert.deepEqual(lines, ['orders/created/3 offset=0 id=0 size=1 headers=15', 'orders/created/3 offset=1 id=0 size=1 headers=1']);
  });

  it('prints one line per message for 10,000 messages', async () => {
    const inputs = Array.from({ length: 10_000 }, (_, i): MessageInput => ({ offset: BigInt(i), id: BigInt(i + 1), payload: Buffer.from(`m${i}`) }));
    const lines = await run('{"print_payload":true}', [inputs]);
    assert.equal(lines.length, 10_000);
    assert.equal(lines[0], 'orders/created/3 offset=0 id=1 payload=m0 headers=0');
    assert.equal(lines[9_999], 'orders/created/3 offset=9999 id=10000 payload=m9999 headers=0');
  });

  for (const [config, fragment] of [
    ['{"print_payloads":true}', 'unknown config key "print_payloads"'],
    ['{"print_payload":"yes"}', 'must be a boolean'],
    ['[1]', 'must be a JSON object'],
  ] as const) {
    it(`refuses the config ${config} as invalid-config`, async () => {
      const sink = await component.instantiateSink();
      assert.throws(
        () => sink.open(config),
        (err: unknown) => err instanceof ConnectorCallError && err.code === 'CONNECTOR_INVALID_CONFIG' && err.call === 'open' && err.message.includes(fragment),
      );
    });
  }

  it('reports the guest memory size', async () => {
    const sink = await component.instantiateSink();
    assert.ok(sink.memoryBytes() >= 64 * 1024, `memoryBytes ${sink.memoryBytes()}`);
    assert.equal(sink.memoryBytes() % 65536, 0);
    sink.close();
  });
});
