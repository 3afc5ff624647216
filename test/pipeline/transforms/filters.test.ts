// filter_fields (Iggy's options) and filter (drop or keep whole messages, counted).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { one, run, spec } from './helpers.js';

const ff = (options: Record<string, unknown>): ReturnType<typeof spec> => spec('filter_fields', options);
const DOC = '{"id":1,"meta_a":"x","meta_b":null,"name":"Ann","n":5.5,"ok":true,"tags":["t"],"obj":{"k":1}}';

test('filter_fields keep_fields alone keeps only those keys', () => {
  assert.equal(one([ff({ keep_fields: ['id', 'name'] })], DOC), '{"id":1,"name":"Ann"}');
});

test('filter_fields key patterns, included or excluded', () => {
  assert.equal(one([ff({ patterns: [{ key_pattern: { starts_with: 'meta_' } }] })], DOC), '{"meta_a":"x","meta_b":null}');
  assert.equal(
    one([ff({ patterns: [{ key_pattern: { starts_with: 'meta_' } }], include_matching: false })], DOC),
    '{"id":1,"name":"Ann","n":5.5,"ok":true,"tags":["t"],"obj":{"k":1}}',
  );
  assert.equal(one([ff({ patterns: [{ key_pattern: { exact: 'n' } }] })], DOC), '{"n":5.5}');
  assert.equal(one([ff({ patterns: [{ key_pattern: { ends_with: '_b' } }] })], DOC), '{"meta_b":null}');
  assert.equal(one([ff({ patterns: [{ key_pattern: { contains: 'am' } }] })], DOC), '{"name":"Ann"}');
  assert.equal(one([ff({ patterns: [{ key_pattern: { regex: '^(id|ok)$' } }] })], DOC), '{"id":1,"ok":true}');
  assert.equal(one([ff({ patterns: [{ key_pattern: { regex: '(?i)^NAME$' } }] })], DOC), '{"name":"Ann"}');
});

test('filter_fields value patterns', () => {
  const only = (value_pattern: unknown): string => one([ff({ patterns: [{ value_pattern }] })], DOC);
  assert.equal(only('is_null'), '{"meta_b":null}');
  assert.equal(only('is_not_null'), '{"id":1,"meta_a":"x","name":"Ann","n":5.5,"ok":true,"tags":["t"],"obj":{"k":1}}');
  assert.equal(only('is_string'), '{"meta_a":"x","name":"Ann"}');
  assert.equal(only('is_number'), '{"id":1,"n":5.5}');
  assert.equal(only('is_boolean'), '{"ok":true}');
  assert.equal(only('is_object'), '{"obj":{"k":1}}');
  assert.equal(only('is_array'), '{"tags":["t"]}');
  assert.equal(only({ equals: 'Ann' }), '{"name":"Ann"}');
  assert.equal(only({ equals: { k: 1 } }), '{"obj":{"k":1}}');
  assert.equal(only({ equals: ['t'] }), '{"tags":["t"]}');
  assert.equal(only({ contains: 'n' }), '{"name":"Ann"}');
  assert.equal(only({ regex: '^A' }), '{"name":"Ann"}');
  assert.equal(only({ greater_than: 2 }), '{"n":5.5}');
  assert.equal(only({ less_than: 2 }), '{"id":1}');
  assert.equal(only({ between: [1, 5.5] }), '{"id":1,"n":5.5}');
});

test('filter_fields: key and value pattern must both match; keep_fields always stay', () => {
  const out = one([ff({ keep_fields: ['id'], patterns: [{ key_pattern: { starts_with: 'meta_' }, value_pattern: 'is_string' }] })], DOC);
  assert.equal(out, '{"id":1,"meta_a":"x"}');
  const esc = one([ff({ patterns: [{ value_pattern: { contains: '"' } }] })], '{"a":"say \\"hi\\"","b":"no"}');
  assert.equal(esc, '{"a":"say \\"hi\\""}');
});

test('filter keeps or drops whole messages and counts what it dropped', () => {
  const input = ['{"level":"debug","m":1}', '{"level":"info","m":2}', '{"level":"debug","m":3}', '{"m":4}'];
  const drop = run([spec('filter', { mode: 'drop', patterns: [{ key_pattern: { exact: 'level' }, value_pattern: { equals: 'debug' } }] })], input);
  assert.deepEqual(drop.out, ['{"level":"info","m":2}', '{"m":4}']);
  assert.equal(drop.result.filtered, 2);
  assert.deepEqual(drop.result.rejected, []);
  assert.deepEqual([drop.result.batch.index.readBigUInt64LE(0), drop.result.batch.index.readBigUInt64LE(64)], [101n, 103n], 'offsets of the survivors');

  const keep = run([spec('filter', { mode: 'keep', patterns: [{ key_pattern: { exact: 'level' } }] })], input);
  assert.deepEqual(keep.out, input.slice(0, 3));
  assert.equal(keep.result.filtered, 1);
});

test('filter match = "all" needs every pattern, "any" needs one', () => {
  const input = ['{"a":1,"b":2}', '{"a":1}', '{"b":2}', '{}'];
  const patterns = [{ key_pattern: { exact: 'a' } }, { key_pattern: { exact: 'b' } }];
  assert.deepEqual(run([spec('filter', { mode: 'keep', match: 'all', patterns })], input).out, ['{"a":1,"b":2}']);
  assert.deepEqual(run([spec('filter', { mode: 'keep', patterns })], input).out, ['{"a":1,"b":2}', '{"a":1}', '{"b":2}']);
  const dropAll = run([spec('filter', { mode: 'drop', match: 'all', patterns })], input);
  assert.deepEqual(dropAll.out, ['{"a":1}', '{"b":2}', '{}']);
  assert.equal(dropAll.result.filtered, 1);
});

test('filter sees the fields as earlier transforms left them', () => {
  const patterns = [{ key_pattern: { exact: 'tmp' } }];
  const input = ['{"tmp":1}', '{"x":1}'];
  assert.equal(run([spec('delete_fields', { fields: ['tmp'] }), spec('filter', { mode: 'drop', patterns })], input).result.filtered, 0);
  assert.equal(run([spec('filter', { mode: 'drop', patterns }), spec('delete_fields', { fields: ['tmp'] })], input).result.filtered, 1);
});

test('filter_fields and filter see fields added earlier in the chain', () => {
  const chain = [
    spec('add_fields', { fields: [{ key: 'meta_added', value: { static: 5 } }] }),
    ff({ patterns: [{ key_pattern: { starts_with: 'meta_' }, value_pattern: 'is_number' }] }),
  ];
  assert.equal(one(chain, '{"meta_x":"s","meta_y":1,"z":2}'), '{"meta_y":1,"meta_added":5}');
  const filtered = run(
    [
      spec('add_fields', { fields: [{ key: 'score', value: { static: 90 } }] }),
      spec('filter', { mode: 'keep', patterns: [{ key_pattern: { exact: 'score' }, value_pattern: { greater_than: 50 } }] }),
    ],
    ['{}', '{"score":1}'],
  );
  assert.equal(filtered.result.filtered, 0, 'the added value replaced the low score');
});
