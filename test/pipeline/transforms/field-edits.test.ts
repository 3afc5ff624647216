// add_fields, update_fields and delete_fields: byte-exact outputs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, one, run, spec } from './helpers.js';

const addB = add([{ key: 'b', value: { static: 'x' } }]);

test('add_fields appends `,"key":value` after the last member', () => {
  assert.equal(one([addB], '{"a":1}'), '{"a":1,"b":"x"}');
  assert.equal(one([addB], '{"a":{"n":[1,2]},"c":[{}]}'), '{"a":{"n":[1,2]},"c":[{}],"b":"x"}');
});

test('add_fields and delete_fields copy runs of every length exactly (word loop and native copy alike)', () => {
  // Members long enough that the untouched runs fall on both sides of the edit's copy limit.
  const del = spec('delete_fields', { fields: ['d'] });
  for (const n of [0, 1, 40, 59, 60, 61, 62, 63, 64, 65, 90, 300]) {
    const long = 'x'.repeat(n);
    const input = `{"a":"${long}","d":[1,2],"c":"${long}y"}`;
    assert.equal(one([addB], input), `{"a":"${long}","d":[1,2],"c":"${long}y","b":"x"}`, `add, ${n}`);
    assert.equal(one([del], input), `{"a":"${long}","c":"${long}y"}`, `delete, ${n}`);
    assert.equal(one([add([{ key: 'v', value: { static: long } }])], '{"a":1}'), `{"a":1,"v":"${long}"}`, `long value, ${n}`);
  }
  // Many messages in one batch: every run is read from its own place in the shared data buffer.
  const inputs = Array.from({ length: 50 }, (_, i) => `{"i":${i},"s":"${'z'.repeat(i * 3)}"}`);
  assert.deepEqual(
    run([addB], inputs).out,
    inputs.map((p) => `${p.slice(0, -1)},"b":"x"}`),
  );
});

test('add_fields on empty objects and around whitespace keeps the original bytes', () => {
  assert.equal(one([addB], '{}'), '{"b":"x"}');
  assert.equal(one([addB], '{ }'), '{"b":"x" }');
  assert.equal(one([addB], ' {"a":1} \n'), ' {"a":1,"b":"x"} \n');
  assert.equal(one([addB], '{\n  "a": 1\n}'), '{\n  "a": 1,"b":"x"\n}');
  assert.equal(one([addB], '{ "a" : 1 , "c" : 2 }'), '{ "a" : 1 , "c" : 2,"b":"x" }');
});

test('add_fields replaces an existing key in place and removes its duplicates', () => {
  assert.equal(one([addB], '{"b":1,"a":2}'), '{"b":"x","a":2}');
  assert.equal(one([addB], '{"b" :  {"deep":[1]} , "a":2}'), '{"b" :  "x" , "a":2}');
  assert.equal(one([addB], '{"b":1,"a":2,"b":3}'), '{"b":"x","a":2}');
  assert.equal(one([addB], '{"a":2,"b":1,"b":3}'), '{"a":2,"b":"x"}');
  assert.equal(one([addB], '{"\\u0062":1,"a":2}'), '{"\\u0062":"x","a":2}', 'an escaped key is the same key');
  assert.equal(one([addB], '{"bb":1,"b ":2,"B":3}'), '{"bb":1,"b ":2,"B":3,"b":"x"}', 'near-misses are other keys');
});

test('add_fields keeps strings with escaped quotes, braces and unicode intact', () => {
  assert.equal(one([addB], '{"a":"he said \\"}\\" {"}'), '{"a":"he said \\"}\\" {","b":"x"}');
  assert.equal(one([add([{ key: 'ключ', value: { static: 'значение 😀' } }])], '{"名前":"値"}'), '{"名前":"値","ключ":"значение 😀"}');
  assert.equal(one([add([{ key: 'q"k\\', value: { static: 'tab\there' } }])], '{}'), '{"q\\"k\\\\":"tab\\there"}');
});

test('add_fields writes static values of every JSON type', () => {
  const spec1 = add([
    { key: 's', value: { static: 'str' } },
    { key: 'i', value: { static: 42 } },
    { key: 'f', value: { static: -1.5e-7 } },
    { key: 'big', value: { static: 12345678901234567890n } },
    { key: 't', value: { static: true } },
    { key: 'arr', value: { static: [1, 'two', [3], { four: 4 }] } },
    { key: 'obj', value: { static: { n: { m: [] }, e: {} } } },
  ]);
  assert.equal(
    one([spec1], '{"id":7}'),
    '{"id":7,"s":"str","i":42,"f":-1.5e-7,"big":12345678901234567890,"t":true,"arr":[1,"two",[3],{"four":4}],"obj":{"n":{"m":[]},"e":{}}}',
  );
});

test('add_fields writes computed values', () => {
  const spec1 = add([
    { key: 'ms', value: { computed: 'timestamp_millis' } },
    { key: 'us', value: { computed: 'timestamp_micros' } },
    { key: 'ns', value: { computed: 'timestamp_nanos' } },
    { key: 's', value: { computed: 'timestamp_seconds' } },
    { key: 'dt', value: { computed: 'date_time' } },
  ]);
  assert.equal(one([spec1], '{}'), '{"ms":1732500000123,"us":1732500000123000,"ns":1732500000123000000,"s":1732500000,"dt":"2024-11-25T02:00:00.123+00:00"}');
  const { out } = run([add([{ key: 'u', value: { computed: 'uuid_v4' } }])], ['{}', '{"a":1}', '{ }']);
  const ids = out.map((p) => (JSON.parse(p) as { u: string }).u);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal(new Set(ids).size, 3);
  assert.match(out[1], /^\{"a":1,"u":"[0-9a-f-]{36}"\}$/);
  assert.match(out[2], /^\{"u":"[0-9a-f-]{36}" \}$/);
});

test('non-object and invalid payloads are rejected with a reason; the others go on in order', () => {
  const { result, out } = run([addB], ['{"n":0}', '[1,2]', '"s"', '42', 'null', '{"a":', '{"n":1}']);
  assert.deepEqual(out, ['{"n":0,"b":"x"}', '{"n":1,"b":"x"}']);
  assert.deepEqual(result.rejected, [
    { entry: 1, reason: 'payload is an array, not a JSON object; add_fields (sinks.test.transforms.add_fields) needs an object' },
    { entry: 2, reason: 'payload is a string, not a JSON object; add_fields (sinks.test.transforms.add_fields) needs an object' },
    { entry: 3, reason: 'payload is a number, not a JSON object; add_fields (sinks.test.transforms.add_fields) needs an object' },
    { entry: 4, reason: 'payload is a literal (true, false or null), not a JSON object; add_fields (sinks.test.transforms.add_fields) needs an object' },
    { entry: 5, reason: 'invalid JSON at byte 5: unexpected end, expected a value' },
  ]);
  assert.equal(result.filtered, 0);
});

test('update_fields honours always, key_exists and key_not_exists', () => {
  const upd = (condition?: string): ReturnType<typeof spec> =>
    spec('update_fields', { fields: [{ key: 'b', value: { static: 0 }, ...(condition ? { condition } : {}) }] });
  assert.equal(one([upd()], '{"a":1}'), '{"a":1,"b":0}');
  assert.equal(one([upd()], '{"b":1}'), '{"b":0}');
  assert.equal(one([upd('always')], '{"a":1}'), '{"a":1,"b":0}');
  assert.equal(one([upd('key_exists')], '{"a":1}'), '{"a":1}');
  assert.equal(one([upd('key_exists')], '{"a":1,"b":"old"}'), '{"a":1,"b":0}');
  assert.equal(one([upd('key_not_exists')], '{"a":1}'), '{"a":1,"b":0}');
  assert.equal(one([upd('key_not_exists')], '{"a":1,"b":"old"}'), '{"a":1,"b":"old"}');
});

test('delete_fields removes members with their separators', () => {
  const del = (...fields: string[]): ReturnType<typeof spec> => spec('delete_fields', { fields });
  const doc = '{ "a": 1, "b": 2, "c": 3 }';
  assert.equal(one([del('a')], doc), '{ "b": 2, "c": 3 }');
  assert.equal(one([del('b')], doc), '{ "a": 1, "c": 3 }');
  assert.equal(one([del('c')], doc), '{ "a": 1, "b": 2 }');
  assert.equal(one([del('a', 'c')], doc), '{ "b": 2 }');
  assert.equal(one([del('a', 'b', 'c')], doc), '{  }');
  assert.equal(one([del('x')], doc), doc);
  assert.equal(one([del('a')], '{"a":1,"b":{"a":2},"a":3}'), '{"b":{"a":2}}', 'every duplicate goes, nested keys stay');
  assert.equal(one([del('é')], '{"\\u00e9":1,"é":2,"e":3}'), '{"e":3}');
});

test('delete_fields then add_fields writes the new member after the survivors', () => {
  assert.equal(one([spec('delete_fields', { fields: ['a'] }), addB], '{"a":1}'), '{"b":"x"}');
  assert.equal(one([spec('delete_fields', { fields: ['a'] }), addB], '{ "a":1 , "c":2 }'), '{ "c":2,"b":"x" }');
});

test('update_fields takes computed values too', () => {
  const upd = spec('update_fields', {
    fields: [
      { key: 'seen', value: { computed: 'timestamp_seconds' }, condition: 'key_exists' },
      { key: 'at', value: { computed: 'date_time' }, condition: 'key_not_exists' },
    ],
  });
  assert.equal(one([upd], '{"seen":0}'), '{"seen":1732500000,"at":"2024-11-25T02:00:00.123+00:00"}');
  assert.equal(one([upd], '{"at":"kept"}'), '{"at":"kept"}');
});
