// Durations and sizes as people write them, and the address syntax.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAddress, parseDuration, parseSize } from '../../runtime/config/index.js';

test('durations parse to milliseconds', () => {
  const cases: [unknown, number][] = [
    ['5ms', 5],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['250ns', 0.00025],
    ['1 s', 1000],
    ['1h 30m', 5_400_000],
    ['1m30s', 90_000],
    ['2 days', 172_800_000],
    ['100', 100],
    [250, 250],
    [0, 0],
    ['0s', 0],
  ];
  for (const [input, ms] of cases) assert.equal(parseDuration(input), ms, `input ${JSON.stringify(input)}`);
});

test('malformed durations are refused', () => {
  for (const input of ['', 'ms', '5 parsecs', '-1s', '1.5.2s', '5ms junk', -1, Number.NaN, true, null, [], {}]) {
    assert.equal(parseDuration(input), undefined, `input ${JSON.stringify(input)}`);
  }
});

test('sizes parse to bytes, decimal and binary units', () => {
  const cases: [unknown, number][] = [
    ['64 MiB', 64 * 1024 ** 2],
    ['1GB', 1e9],
    ['1gb', 1e9],
    ['512KiB', 512 * 1024],
    ['1.5 KiB', 1536],
    ['10kb', 10_000],
    ['100', 100],
    ['100 B', 100],
    [4096, 4096],
  ];
  for (const [input, bytes] of cases) assert.equal(parseSize(input), bytes, `input ${JSON.stringify(input)}`);
});

test('malformed sizes are refused', () => {
  for (const input of ['', 'MiB', '64 parsecs', '-1', '1.5 B', 1.5, -4, 'lots']) {
    assert.equal(parseSize(input), undefined, `input ${JSON.stringify(input)}`);
  }
});

test('addresses are host:port or [ipv6]:port', () => {
  assert.deepEqual(parseAddress('127.0.0.1:8090'), { host: '127.0.0.1', port: 8090 });
  assert.deepEqual(parseAddress('iggy.internal:0'), { host: 'iggy.internal', port: 0 });
  assert.deepEqual(parseAddress('[::1]:8090'), { host: '::1', port: 8090 });
  for (const bad of ['localhost', ':8090', 'host:', 'host:65536', '::1:8090', 'a b:1', 'iggy://h:1']) {
    assert.equal(parseAddress(bad), undefined, `input ${bad}`);
  }
});
