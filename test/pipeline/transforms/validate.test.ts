// validateTransform: every problem with its path and a message that says what to fix;
// compileTransforms refuses the same configs with a typed error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RuntimeError } from '../../../runtime/errors.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBatch, payloadOf } from '../../../runtime/batch/flat-batch.js';
import { ConfigError, parseConfig } from '../../../runtime/config/index.js';
import { compileTransforms, validateTransform } from '../../../runtime/pipeline/transforms/index.js';

const P = 'sinks.pg.transforms';

test('accepts the Iggy example configs as they are written', () => {
  assert.deepEqual(
    validateTransform(
      'add_fields',
      {
        enabled: true,
        fields: [
          { key: 'service_name', value: { static: 'qw' } },
          { key: 'ts', value: { computed: 'timestamp_millis' } },
        ],
      },
      `${P}.add_fields`,
      'json',
    ),
    [],
  );
  assert.deepEqual(validateTransform('delete_fields', { enabled: true, fields: ['email', 'created_at'] }, `${P}.delete_fields`, 'json'), []);
  assert.deepEqual(
    validateTransform(
      'filter_fields',
      { keep_fields: ['id'], patterns: [{ key_pattern: { regex: '^meta_' }, value_pattern: { between: [1, 2] } }], include_matching: false },
      `${P}.filter_fields`,
      'json',
    ),
    [],
  );
  assert.deepEqual(
    validateTransform('update_fields', { fields: [{ key: 'k', value: { static: 1 }, condition: 'key_exists' }] }, `${P}.update_fields`, 'json'),
    [],
  );
  assert.deepEqual(validateTransform('unwrap_envelope', { field: 'payload.after' }, `${P}.unwrap_envelope`, 'json'), []);
  assert.deepEqual(validateTransform('route', { field: 'r', routes: { a: { stream: 's', topic: 't' } } }, 'sources.gen.transforms.route', 'json'), []);
});

test('unknown transform names get a suggestion; Iggy-only ones say so', () => {
  assert.deepEqual(validateTransform('add_field', {}, `${P}.add_field`, 'json'), [
    {
      path: `${P}.add_field`,
      message:
        'unknown transform "add_field" (did you mean "add_fields"?); supported: add_fields, update_fields, delete_fields, filter_fields, filter, unwrap_envelope, route',
    },
  ]);
  const [problem] = validateTransform('proto_convert', {}, `${P}.proto_convert`, 'json');
  assert.match(problem.message, /exists in Iggy's runtime but not in this one/);
});

test('transforms on a non-JSON schema are refused', () => {
  assert.deepEqual(validateTransform('delete_fields', { fields: ['a'] }, `${P}.delete_fields`, 'raw'), [
    { path: `${P}.delete_fields`, message: 'transforms act on JSON payloads, but this stream\'s schema is "raw"; set schema = "json" or remove the transform' },
  ]);
});

test('bad option types and unknown options are reported with their paths, all at once', () => {
  const problems = validateTransform(
    'add_fields',
    {
      enabled: 'yes',
      feilds: [],
      fields: [
        { key: '', value: { static: 1 } },
        { key: 'a', value: { computed: 'uuid_v8' } },
        { key: 'b', value: { static: 1, computed: 'uuid_v4' } },
        { key: 'c' },
        'x',
        { key: 'd', value: { static: Number.NaN } },
      ],
    },
    `${P}.add_fields`,
    'json',
  );
  assert.deepEqual(problems, [
    { path: `${P}.add_fields.enabled`, message: 'expected true or false, got the string "yes"' },
    { path: `${P}.add_fields.feilds`, message: 'unknown option "feilds" (did you mean "fields"?); allowed: fields' },
    { path: `${P}.add_fields.fields[0].key`, message: 'expected a non-empty string, got the string ""' },
    {
      path: `${P}.add_fields.fields[1].value.computed`,
      message:
        'expected one of date_time, timestamp_nanos, timestamp_micros, timestamp_millis, timestamp_seconds, uuid_v4, uuid_v7, got the string "uuid_v8" (did you mean "uuid_v4"?)',
    },
    { path: `${P}.add_fields.fields[2].value`, message: 'expected exactly one of "static" or "computed", got "static", "computed"' },
    { path: `${P}.add_fields.fields[3].value`, message: 'missing; set value.static = <value> or value.computed = "<kind>"' },
    { path: `${P}.add_fields.fields[4]`, message: 'expected a table with "key" and "value", got the string "x"' },
    { path: `${P}.add_fields.fields[5].value.static`, message: 'cannot be written as JSON: NaN has no JSON form' },
  ]);
});

test('invalid regular expressions and malformed patterns are reported', () => {
  const problems = validateTransform(
    'filter_fields',
    {
      patterns: [
        { key_pattern: { regex: '(' } },
        { value_pattern: { between: [5, 1] } },
        { value_pattern: 'is_nul' },
        { key_pattern: { prefix: 'a' } },
        { value_pattern: { is_null: true } },
      ],
    },
    `${P}.filter_fields`,
    'json',
  );
  assert.deepEqual(
    problems.map((p) => p.path),
    [
      `${P}.filter_fields.patterns[0].key_pattern.regex`,
      `${P}.filter_fields.patterns[1].value_pattern.between`,
      `${P}.filter_fields.patterns[2].value_pattern`,
      `${P}.filter_fields.patterns[3].key_pattern.prefix`,
      `${P}.filter_fields.patterns[4].value_pattern`,
    ],
  );
  assert.equal(problems[0].message, 'invalid regular expression "(": Unterminated group');
  assert.equal(problems[1].message, 'low 5 is greater than high 1');
  assert.match(problems[2].message, /did you mean "is_null"/);
  assert.equal(problems[4].message, 'write value_pattern = "is_null" (a string), not a table');
});

test('filter needs a mode and patterns; route needs a source, a field and routes', () => {
  assert.deepEqual(validateTransform('filter', {}, `${P}.filter`, 'json'), [
    { path: `${P}.filter.mode`, message: 'missing; set mode = "keep" (keep only matching messages) or "drop" (drop matching messages)' },
    { path: `${P}.filter.patterns`, message: 'missing; add at least one { key_pattern = ..., value_pattern = ... }' },
  ]);
  assert.deepEqual(validateTransform('route', { field: 'r', routes: { a: { stream: 's' } } }, `${P}.route`, 'json'), [
    { path: `${P}.route`, message: 'route picks a destination per message and only applies to sources; remove it from this sink' },
    { path: `${P}.route.routes.a.topic`, message: 'missing' },
  ]);
  assert.deepEqual(validateTransform('unwrap_envelope', { field: 'a..b' }, `${P}.unwrap_envelope`, 'json'), [
    { path: `${P}.unwrap_envelope.field`, message: '"a..b" has an empty segment; write a key or dotted path like "payload.after"' },
  ]);
});

test('compileTransforms throws a typed error listing every problem', () => {
  const specs = [
    { name: 'delete_fields', enabled: true, options: { fields: 'a' }, path: `${P}.delete_fields` },
    { name: 'route', enabled: true, options: { field: 'r', routes: { a: { stream: 's', topic: 't' } } }, path: `${P}.route` },
  ];
  assert.throws(
    () => compileTransforms(specs, { direction: 'sink', schema: 'json' }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error instanceof RuntimeError);
      assert.equal(error.code, 'CONFIG_INVALID');
      assert.equal(error.problems.length, 2);
      assert.equal(
        error.message,
        `configuration has 2 problems:\n${P}.delete_fields.fields: expected an array of strings, got the string "a"\n${P}.route: route picks a destination per message and only applies to sources; remove it from this sink`,
      );
      return true;
    },
  );
  assert.throws(() => compileTransforms([{ name: 'add_fields', enabled: true, options: {}, path: 'x' }], { direction: 'sink', schema: 'text' }), ConfigError);
});

test('a TOML config goes through the config layer and compiles into a working chain, in the order written', () => {
  const dir = mkdtempSync(join(tmpdir(), 'transforms-'));
  try {
    writeFileSync(join(dir, 'sink.wasm'), '');
    const toml = (regex: string): string => `
[iggy]
address = "127.0.0.1:8090"
username = "iggy"
password = "iggy"
[sinks.out]
path = "sink.wasm"
[[sinks.out.streams]]
stream = "s"
topics = ["t"]
schema = "json"
[sinks.out.transforms.unwrap_envelope]
field = "data"
[sinks.out.transforms.add_fields]
[[sinks.out.transforms.add_fields.fields]]
key = "n"
value.static = 1.0
[sinks.out.transforms.filter]
mode = "drop"
patterns = [{ key_pattern = { exact = "level" }, value_pattern = { equals = "debug" } }]
[sinks.out.transforms.filter_fields]
keep_fields = ["n"]
patterns = [{ key_pattern = { regex = "${regex}" } }]
`;
    assert.throws(
      () => parseConfig(toml('('), { baseDir: dir, env: {}, validateTransform }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some(
          (p) =>
            p.path === 'sinks.out.transforms.filter_fields.patterns[0].key_pattern.regex' && p.message === 'invalid regular expression "(": Unterminated group',
        ),
    );
    const config = parseConfig(toml('^x'), { baseDir: dir, env: {}, validateTransform });
    const chain = compileTransforms(config.sinks[0].transforms, { direction: 'sink', schema: 'json' });
    const result = chain.apply(buildBatch([{ payload: Buffer.from('{"data":{"x_a":1,"b":2}}') }, { payload: Buffer.from('{"data":{"level":"debug"}}') }]));
    assert.equal(result.filtered, 1);
    assert.equal(payloadOf(result.batch, 0).toString(), '{"x_a":1,"n":1}');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
