// The JS guest SDK run directly in Node (it is plain ESM with no WASI imports):
// header encoding against hand-written Iggy bytes, decoding, batch building and
// config checks. The guests themselves are exercised through the host elsewhere.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { checkBatchShape, messageAt, toBuffer } from '../../runtime/batch/flat-batch.js';
import { ROOT } from './support.js';

interface HeaderValue {
  kind: number;
  raw: Uint8Array;
  value: unknown;
}
interface Sdk {
  encodeHeaders(pairs: { key: string; kind: number | string; value: unknown }[]): Uint8Array;
  headerMap(headers: Uint8Array): Map<string, HeaderValue>;
  headerCount(headers: Uint8Array): number;
  messages(batch: {
    index: Uint8Array;
    data: Uint8Array;
  }): Iterable<{ offset: bigint; id: bigint; originTimestamp: bigint; payload: Uint8Array; headers: Uint8Array; headerCount(): number }>;
  BatchBuilder: new () => {
    add(m: { payload: Uint8Array | string; id?: bigint; originTimestamp?: bigint; headers?: Uint8Array }): unknown;
    build(): { index: Uint8Array; data: Uint8Array };
  };
  parseConfig(config: string, fields: Record<string, { type: string; default?: unknown }>): Record<string, unknown>;
  invalidConfig(message: string): Error & { payload: unknown };
}

let sdk: Sdk;
before(async () => {
  sdk = (await import(pathToFileURL(join(ROOT, 'guest-examples', 'js', 'sdk', 'index.js')).href)) as Sdk;
});

const tlv = (kind: number, bytes: number[]) => [kind, bytes.length, 0, 0, 0, ...bytes];
const key = (k: string) => tlv(2, [...Buffer.from(k)]);

describe('JS SDK headers', () => {
  const cases: [string | number, unknown, number, number[]][] = [
    ['raw', Uint8Array.of(1, 2), 1, [1, 2]],
    ['string', 'hé', 2, [0x68, 0xc3, 0xa9]],
    ['bool', true, 3, [1]],
    ['int8', -2, 4, [0xfe]],
    ['int16', -2, 5, [0xfe, 0xff]],
    ['int32', 258, 6, [2, 1, 0, 0]],
    ['int64', -1n, 7, [255, 255, 255, 255, 255, 255, 255, 255]],
    ['int128', 1n, 8, [1, ...new Array(15).fill(0)]],
    ['uint8', 200, 9, [200]],
    ['uint16', 0x1234, 10, [0x34, 0x12]],
    ['uint32', 0xdeadbeef, 11, [0xef, 0xbe, 0xad, 0xde]],
    ['uint64', 2n ** 64n - 1n, 12, new Array(8).fill(255)],
    ['uint128', 2n ** 64n, 13, [...new Array(8).fill(0), 1, ...new Array(7).fill(0)]],
    ['float32', 1, 14, [0, 0, 0x80, 0x3f]],
    ['float64', 1, 15, [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]],
  ];

  for (const [kind, value, number, bytes] of cases) {
    it(`encodes and decodes kind ${number} (${kind})`, () => {
      const encoded = sdk.encodeHeaders([{ key: `k${number}`, kind, value }]);
      assert.deepEqual([...encoded], [...key(`k${number}`), ...tlv(number, bytes)]);
      const decoded = sdk.headerMap(encoded).get(`k${number}`);
      assert.equal(decoded?.kind, number);
      assert.deepEqual(decoded?.value, value);
    });
  }

  it('counts pairs and refuses empty or oversized values', () => {
    const two = sdk.encodeHeaders([
      { key: 'a', kind: 2, value: 'x' },
      { key: 'b', kind: 'bool', value: false },
    ]);
    assert.equal(sdk.headerCount(two), 2);
    assert.throws(() => sdk.encodeHeaders([{ key: 'a', kind: 'string', value: '' }]), /outside 1..255/);
    assert.throws(() => sdk.encodeHeaders([{ key: 'a', kind: 'string', value: 'x'.repeat(256) }]), /outside 1..255/);
    assert.throws(() => sdk.encodeHeaders([{ key: 'a', kind: 16, value: 1 }]), /unknown kind/);
  });
});

describe('JS SDK batches', () => {
  it('builds a batch the host accepts and reads back the same fields', () => {
    const builder = new sdk.BatchBuilder();
    const headers = sdk.encodeHeaders([{ key: 'source', kind: 'string', value: 'test' }]);
    builder.add({ payload: 'hello', id: (1n << 64n) + 7n, originTimestamp: 123n, headers });
    builder.add({ payload: new Uint8Array(0) });
    builder.add({ payload: Uint8Array.of(0xff) });
    const { index, data } = builder.build();
    assert.equal(checkBatchShape(index, data), undefined);
    const batch = { count: 3, index: toBuffer(index), data: toBuffer(data) };
    const first = messageAt(batch, 0);
    assert.equal(first.payload.toString(), 'hello');
    assert.equal(first.id, (1n << 64n) + 7n);
    assert.equal(first.originTimestamp, 123n);
    assert.deepEqual([...first.headers], [...headers]);
    assert.equal(messageAt(batch, 1).payload.length, 0);
    assert.equal(messageAt(batch, 1).headers.length, 0);
    assert.deepEqual([...messageAt(batch, 2).payload], [0xff]);

    const read = [...sdk.messages({ index, data })];
    assert.deepEqual(
      read.map((m) => m.id),
      [(1n << 64n) + 7n, 0n, 0n],
    );
    assert.deepEqual(
      read.map((m) => m.headerCount()),
      [1, 0, 0],
    );
    assert.equal(Buffer.from(read[0].payload).toString(), 'hello');
  });
});

describe('JS SDK config', () => {
  const fields = { flag: { type: 'boolean', default: false }, n: { type: 'u32', default: 10 }, big: { type: 'u64', default: 0n } };

  it('fills defaults and converts u64 to bigint', () => {
    assert.deepEqual(sdk.parseConfig('{"n":3,"big":5}', fields), { flag: false, n: 3, big: 5n });
    assert.deepEqual(sdk.parseConfig('', fields), { flag: false, n: 10, big: 0n });
  });

  for (const [config, fragment] of [
    ['{"nope":1}', 'unknown config key "nope"'],
    ['{"flag":1}', '"flag" must be a boolean'],
    ['{"n":4294967296}', '"n" must be an integer'],
    ['{"n":1.5}', '"n" must be an integer'],
    ['not json', 'not valid JSON'],
    ['null', 'must be a JSON object'],
  ]) {
    it(`refuses ${config} as invalid-config`, () => {
      assert.throws(
        () => sdk.parseConfig(config, fields),
        (e: unknown) => (e as { payload: { tag: string; val: string } }).payload.tag === 'invalid-config' && (e as Error).message.includes(fragment),
      );
    });
  }
});
