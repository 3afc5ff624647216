// checkSchema per schema: json (byte-level validation), text (UTF-8), pass-through for the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildBatch, payloadOf } from '../../../runtime/batch/flat-batch.js';
import { checkSchema } from '../../../runtime/pipeline/schema/index.js';

const batchOf = (payloads: (string | Buffer)[]) =>
  buildBatch(payloads.map((p, i) => ({ offset: BigInt(i), payload: typeof p === 'string' ? Buffer.from(p) : p, headers: Buffer.from([i]) })));

test('json: invalid payloads are rejected with the byte and the cause, the rest keep their index entries', () => {
  const input = batchOf(['{"a":1}', '{"a":1,}', '[1,2]', '01', Buffer.from([0x22, 0xff, 0x22]), ' "ok" ']);
  const { batch, rejected } = checkSchema(input, 'json');
  assert.deepEqual(rejected, [
    { entry: 1, reason: 'invalid JSON at byte 7: unexpected "}", expected a string key' },
    { entry: 3, reason: 'invalid JSON at byte 1: leading zero in number' },
    { entry: 4, reason: 'invalid JSON at byte 1: invalid UTF-8 in string' },
  ]);
  assert.equal(batch.count, 3);
  assert.equal(batch.data, input.data, 'only the index is rebuilt');
  assert.deepEqual(
    [0, 1, 2].map((i) => payloadOf(batch, i).toString()),
    ['{"a":1}', '[1,2]', ' "ok" '],
  );
  assert.deepEqual(
    [0, 1, 2].map((i) => batch.index.readBigUInt64LE(i * 64)),
    [0n, 2n, 5n],
  );
});

test('json: an all-valid batch comes back as the same object', () => {
  const input = batchOf(['{}', '[]', '"s"', '-0.5e3', 'true']);
  const result = checkSchema(input, 'json');
  assert.equal(result.batch, input);
  assert.deepEqual(result.rejected, []);
});

test('text: payloads must be valid UTF-8', () => {
  const input = batchOf(['plain', 'ünïcödé 😀', Buffer.from([0x61, 0xc3]), Buffer.from([0xed, 0xa0, 0x80]), '']);
  const { batch, rejected } = checkSchema(input, 'text');
  assert.deepEqual(rejected, [
    { entry: 2, reason: 'payload is not valid UTF-8 text' },
    { entry: 3, reason: 'payload is not valid UTF-8 text' },
  ]);
  assert.equal(batch.count, 3);
  assert.equal(payloadOf(batch, 1).toString(), 'ünïcödé 😀');
});

test('raw, proto, avro and flatbuffer pass through unchecked', () => {
  const input = batchOf([Buffer.from([0xff, 0x00]), 'not json']);
  for (const schema of ['raw', 'proto', 'avro', 'flatbuffer'] as const) {
    const result = checkSchema(input, schema);
    assert.equal(result.batch, input, schema);
    assert.deepEqual(result.rejected, [], schema);
  }
});
