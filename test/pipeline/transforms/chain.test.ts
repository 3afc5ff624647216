// The chain over whole batches: order of transforms, the output batch's layout (fresh
// index and one data buffer, headers and index fields kept), and a randomized check
// of add/delete against the same edits made on parsed objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Field, INDEX_ENTRY_SIZE, headersOf, messageAt, type FlatBatch } from '../../../runtime/batch/flat-batch.js';
import { add, batchOf, chainOf, one, payloads, spec } from './helpers.js';

test('transforms apply in the order written', () => {
  const addA = add([{ key: 'a', value: { static: 'new' } }]);
  const delA = spec('delete_fields', { fields: ['a'] });
  assert.equal(one([addA, delA], '{"a":1,"b":2}'), '{"b":2}');
  assert.equal(one([delA, addA], '{"a":1,"b":2}'), '{"b":2,"a":"new"}');
  const addB1 = add([{ key: 'b', value: { static: 1 } }]);
  const addB2 = spec('update_fields', { fields: [{ key: 'b', value: { static: 2 }, condition: 'key_exists' }] });
  assert.equal(one([addB1, addB2], '{}'), '{"b":2}');
  assert.equal(one([addB2, addB1], '{}'), '{"b":1}');
});

/** A batch laid out like a poll reply: payloads separated by foreign bytes, headers after each payload. */
function pollLikeBatch(items: { payload: string; headers: Buffer }[]): FlatBatch {
  const parts: Buffer[] = [];
  const index = Buffer.alloc(items.length * INDEX_ENTRY_SIZE);
  let at = 0;
  items.forEach((m, i) => {
    const gap = Buffer.alloc(48, 0xee);
    const payload = Buffer.from(m.payload);
    parts.push(gap, payload, m.headers);
    const base = i * INDEX_ENTRY_SIZE;
    index.writeBigUInt64LE(BigInt(1000 + i), base + Field.offset);
    index.writeBigUInt64LE(BigInt(0xabc0 + i), base + Field.id);
    index.writeBigUInt64LE(BigInt(1_700_000_000_000_000 + i), base + Field.timestamp);
    index.writeBigUInt64LE(BigInt(1_600_000_000_000_000 + i), base + Field.originTimestamp);
    index.writeBigUInt64LE(BigInt(77 + i), base + Field.checksum);
    index.writeUInt32LE(at + gap.length, base + Field.payloadStart);
    index.writeUInt32LE(payload.length, base + Field.payloadLength);
    index.writeUInt32LE(at + gap.length + payload.length, base + Field.headersStart);
    index.writeUInt32LE(m.headers.length, base + Field.headersLength);
    at += gap.length + payload.length + m.headers.length;
  });
  return { count: items.length, index, data: Buffer.concat(parts) };
}

test('the output batch has a fresh index and one compact data buffer; headers and index fields are kept', () => {
  const headers = Buffer.from([2, 1, 0, 0, 0, 0x6b, 2, 1, 0, 0, 0, 0x76]);
  const input = pollLikeBatch([
    { payload: '{"a":1}', headers },
    { payload: 'not json', headers: Buffer.alloc(0) },
    { payload: '{"b":2}', headers: Buffer.alloc(0) },
  ]);
  const result = chainOf([add([{ key: 'k', value: { static: true } }])]).apply(input);
  assert.deepEqual(
    result.rejected.map((r) => r.entry),
    [1],
  );
  const out = result.batch;
  assert.equal(out.count, 2);
  assert.equal(out.index.length, 2 * INDEX_ENTRY_SIZE);
  assert.deepEqual(payloads(out), ['{"a":1,"k":true}', '{"b":2,"k":true}']);
  assert.deepEqual(headersOf(out, 0), headers);
  assert.equal(headersOf(out, 1).length, 0);
  assert.equal(out.data.length, '{"a":1,"k":true}'.length + headers.length + '{"b":2,"k":true}'.length, 'data holds payloads and headers only');
  const first = messageAt(out, 0);
  const second = messageAt(out, 1);
  assert.deepEqual(
    [first.offset, first.id, first.timestamp, first.originTimestamp, first.checksum],
    [1000n, 0xabc0n, 1_700_000_000_000_000n, 1_600_000_000_000_000n, 77n],
  );
  const inputBytes = Buffer.from(input.data);
  out.data.fill(0);
  assert.deepEqual(input.data, inputBytes, 'the output data is a new buffer, not a view of the input');
  assert.deepEqual(
    [second.offset, second.id, second.timestamp, second.originTimestamp, second.checksum],
    [1002n, 0xabc2n, 1_700_000_000_000_002n, 1_600_000_000_000_002n, 79n],
  );
});

test('an unchanged batch comes back as the same object; an empty chain does no work', () => {
  const input = batchOf(['{"a":1}', '{"b":2}']);
  const delX = chainOf([spec('delete_fields', { fields: ['x'] })]);
  assert.equal(delX.isEmpty, false);
  assert.equal(delX.apply(input).batch, input);
  const empty = chainOf([]);
  assert.equal(empty.isEmpty, true);
  const bad = batchOf(['not json']);
  assert.equal(empty.apply(bad).batch, bad, 'an empty chain does not validate: checkSchema does');
  const disabled = chainOf([{ ...add([{ key: 'k', value: { static: 1 } }]), enabled: false }]);
  assert.equal(disabled.isEmpty, true);
});

test('a batch of nothing but rejects and drops is empty, not an error', () => {
  const result = chainOf([spec('filter', { mode: 'keep', patterns: [{ key_pattern: { exact: 'x' } }] })]).apply(batchOf(['{}', '[]']));
  assert.equal(result.batch.count, 0);
  assert.equal(result.batch.index.length, 0);
  assert.equal(result.filtered, 1);
  assert.equal(result.rejected.length, 1);
});

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

test('add/delete on bytes agree with the same edits on parsed objects (2,000 random cases)', () => {
  const rand = prng(42);
  const keys = ['a', 'b', 'c', 'é', 'q"', 'sp ace'];
  const values: unknown[] = [1, -2.5, 'str', 'esc "\\ \n', null, true, [1, { x: [] }], { n: { m: 'ü' } }, {}];
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  for (let n = 0; n < 2000; n++) {
    const obj: Record<string, unknown> = {};
    for (let k = Math.floor(rand() * 5); k > 0; k--) obj[pick(keys)] = pick(values);
    const input = JSON.stringify(obj, null, rand() < 0.3 ? ' ' : undefined);
    const toAdd = Array.from({ length: Math.floor(rand() * 3) }, () => ({ key: pick(keys), value: pick(values) }));
    const toDelete = Array.from({ length: Math.floor(rand() * 3) }, () => pick(keys));
    const deleteFirst = rand() < 0.5;
    const addSpec = add(toAdd.map((f) => ({ key: f.key, value: { static: f.value } })));
    const delSpec = spec('delete_fields', { fields: toDelete });
    const output = one(deleteFirst ? [delSpec, addSpec] : [addSpec, delSpec], input);
    const expected: Record<string, unknown> = { ...obj };
    const doAdd = (): void => toAdd.forEach((f) => (expected[f.key] = f.value));
    const doDelete = (): void => toDelete.forEach((k) => delete expected[k]);
    if (deleteFirst) {
      doDelete();
      doAdd();
    } else {
      doAdd();
      doDelete();
    }
    const label = `input ${input}, add ${JSON.stringify(toAdd)}, delete ${JSON.stringify(toDelete)}, deleteFirst ${deleteFirst}`;
    assert.deepEqual(JSON.parse(output), expected, label);
    const keyCount = (output.match(/"(?:[^"\\]|\\.)*"\s*:/g) ?? []).length;
    assert.ok(keyCount >= Object.keys(expected).length, label);
  }
});

test('a chain is reusable: batches of growing and shrinking size, wide objects, no state leaks between batches', () => {
  const chain = chainOf([
    add([{ key: 'u', value: { computed: 'uuid_v4' } }]),
    spec('delete_fields', { fields: ['k3'] }),
    spec('filter_fields', { patterns: [{ key_pattern: { exact: 'k3' } }, { key_pattern: { exact: 'u' } }, { key_pattern: { starts_with: 'k1' } }] }),
  ]);
  const wide = (n: number): string => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, k) => [`k${k}`, k])));
  for (const size of [3, 2500, 1, 700]) {
    const input = Array.from({ length: size }, (_, i) => (i % 2 === 0 ? wide(40) : '{"k1":"x","k3":3}'));
    const result = chain.apply(batchOf(input));
    const out = payloads(result.batch);
    assert.equal(out.length, size, `size ${size}`);
    out.forEach((p, i) => {
      const parsed = JSON.parse(p) as Record<string, unknown>;
      const keys = Object.keys(parsed);
      const expected = i % 2 === 0 ? ['k1', 'k10', 'k11', 'k12', 'k13', 'k14', 'k15', 'k16', 'k17', 'k18', 'k19', 'u'] : ['k1', 'u'];
      assert.deepEqual(keys, expected, `size ${size}, message ${i}: ${p}`);
    });
  }
});
