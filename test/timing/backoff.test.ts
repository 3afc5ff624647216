import { test } from 'node:test';
import assert from 'node:assert/strict';
import { backoffDelay } from '../../runtime/timing/backoff.js';

test('backoff doubles per attempt up to the cap; jitter spreads each wait over its upper half', () => {
  const low = () => 0;
  const high = () => 1 - Number.EPSILON;
  assert.deepEqual(
    [0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1_000, high)),
    [100, 200, 400, 800, 1_000],
  );
  assert.deepEqual(
    [0, 1, 2, 3, 10].map((a) => backoffDelay(a, 100, 1_000, low)),
    [50, 100, 200, 400, 500],
  );
});

test('two connectors backing off at the same attempt do not wait the same time', () => {
  const waits = new Set(Array.from({ length: 50 }, () => backoffDelay(6, 100, 30_000)));
  assert.ok(waits.size > 10, `50 draws gave only ${waits.size} distinct waits`);
  for (const w of waits) assert.ok(w >= 3_200 && w <= 6_400, `wait ${w} outside [3200, 6400]`);
});

test('a huge attempt number neither overflows nor exceeds the cap', () => {
  assert.ok(backoffDelay(10_000, 100, 30_000) <= 30_000);
  assert.ok(Number.isFinite(backoffDelay(Number.MAX_SAFE_INTEGER, 1, 10)));
});
