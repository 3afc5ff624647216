// Computed field values: formats, UUID versions and UUIDv7 ordering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDateTime } from '../../../runtime/pipeline/transforms/computed.js';
import { add, batchOf, chainOf, payloads } from './helpers.js';

test('date_time is RFC 3339 with a +00:00 offset and a fraction only when it is not zero', () => {
  assert.equal(formatDateTime(1_732_500_000_123), '2024-11-25T02:00:00.123+00:00');
  assert.equal(formatDateTime(1_732_500_000_000), '2024-11-25T02:00:00+00:00');
  assert.equal(formatDateTime(0), '1970-01-01T00:00:00+00:00');
});

test('uuid_v7 carries the clock in its first 48 bits, version 7, variant 10, and sorts in generation order', () => {
  let now = 1_732_500_000_123;
  const chain = chainOf([add([{ key: 'u', value: { computed: 'uuid_v7' } }])], 'sink', () => now);
  const ids: string[] = [];
  for (let b = 0; b < 3; b++) {
    const out = payloads(chain.apply(batchOf(Array.from({ length: 500 }, () => '{}'))).batch).map((p) => (JSON.parse(p) as { u: string }).u);
    ids.push(...out);
    if (b === 1) now -= 5; // a clock step back must not break the order
  }
  for (const id of ids) {
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  }
  assert.equal(parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16), 1_732_500_000_123);
  const sorted = [...ids].sort();
  assert.deepEqual(sorted, ids, 'lexicographic order equals generation order');
  assert.equal(new Set(ids).size, ids.length);
});

test('uuid_v4 values differ per message and per field', () => {
  const chain = chainOf([
    add([
      { key: 'a', value: { computed: 'uuid_v4' } },
      { key: 'b', value: { computed: 'uuid_v4' } },
    ]),
  ]);
  const all = payloads(chain.apply(batchOf(Array.from({ length: 200 }, () => '{}'))).batch).flatMap((p) =>
    Object.values(JSON.parse(p) as Record<string, string>),
  );
  assert.equal(all.length, 400);
  assert.equal(new Set(all).size, 400);
});
