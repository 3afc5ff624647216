// unwrap_envelope (top-level or dotted path) and route (per-message destination, sources only).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { add, chainOf, batchOf, one, payloads, run, spec } from './helpers.js';

const unwrap = (field: string): ReturnType<typeof spec> => spec('unwrap_envelope', { field });

test('unwrap_envelope makes a nested value the payload, byte for byte', () => {
  assert.equal(one([unwrap('data')], '{"meta":{"v":1},"data":{ "x" : [1, "}"] }}'), '{ "x" : [1, "}"] }');
  assert.equal(one([unwrap('data')], '{"data":"just a string"}'), '"just a string"');
  assert.equal(one([unwrap('data')], '{"data":[1,2]}'), '[1,2]');
  assert.equal(one([unwrap('payload.after')], '{"payload":{"before":null,"after":{"id":9,"name":"é"}},"op":"c"}'), '{"id":9,"name":"é"}');
  assert.equal(one([unwrap('data')], '{"data":1,"data":{"last":true}}'), '{"last":true}', 'the last duplicate wins, as in JSON.parse');
});

test('unwrap_envelope leaves the payload unchanged when the field is absent (as Iggy does)', () => {
  assert.equal(one([unwrap('data')], '{"other":1}'), '{"other":1}');
  assert.equal(one([unwrap('payload.after')], '{"payload":{"before":1}}'), '{"payload":{"before":1}}');
  assert.equal(one([unwrap('payload.after')], '{"payload":"flat"}'), '{"payload":"flat"}');
});

test('transforms after unwrap_envelope act on the inner object; a non-object inner value is rejected', () => {
  const chain = [unwrap('data'), add([{ key: 'k', value: { static: 1 } }])];
  assert.equal(one(chain, '{"data":{"a":1},"x":2}'), '{"a":1,"k":1}');
  const { result } = run(chain, ['{"data":[1]}']);
  assert.equal(result.rejected.length, 1);
  assert.equal(result.rejected[0].reason, 'payload is an array, not a JSON object; add_fields (sinks.test.transforms.add_fields) needs an object');
  assert.equal(one([add([{ key: 'data', value: { static: { z: 0 } } }]), unwrap('data')], '{"data":1}'), '{"z":0}', 'unwrap sees values set before it');
});

const ROUTE = spec(
  'route',
  {
    field: 'region',
    routes: { eu: { stream: 's', topic: 'eu' }, us: { stream: 's', topic: 'us' }, '1': { stream: 'n', topic: 'one' }, true: { stream: 's', topic: 'eu' } },
  },
  'sources.gen',
);

test('route gives each message the index of its destination, -1 for the connector default', () => {
  const chain = chainOf([ROUTE], 'source');
  assert.equal(chain.routeTargets.length, 3, 'equal targets are listed once');
  const input = ['{"region":"eu"}', '{"region":"us","x":1}', '{"region":1}', '{"region":true}', '{"region":"mars"}', '{"x":1}', '{"region":"\\u0065u"}', '[1]'];
  const result = chain.apply(batchOf(input));
  const where = Array.from(result.routes ?? [], (r) => (r === -1 ? 'default' : `${chain.routeTargets[r].stream}/${chain.routeTargets[r].topic}`));
  assert.deepEqual(where, ['s/eu', 's/us', 'n/one', 's/eu', 'default', 'default', 's/eu', 'default']);
  assert.equal(result.batch.count, input.length, 'route alone neither drops nor rejects');
  assert.deepEqual(payloads(result.batch), input);
});

test('route with a default target and a dotted field; routes follow the surviving messages', () => {
  const chain = chainOf(
    [
      spec('filter', { mode: 'drop', patterns: [{ key_pattern: { exact: 'skip' } }] }, 'sources.gen'),
      spec('route', { field: 'meta.kind', routes: { a: { stream: 's', topic: 'a' } }, default: { stream: 's', topic: 'other' } }, 'sources.gen'),
    ],
    'source',
  );
  const result = chain.apply(batchOf(['{"meta":{"kind":"a"}}', '{"skip":1,"meta":{"kind":"a"}}', '{"meta":{"kind":"b"}}']));
  assert.deepEqual(chain.routeTargets, [
    { stream: 's', topic: 'a' },
    { stream: 's', topic: 'other' },
  ]);
  assert.deepEqual(Array.from(result.routes ?? []), [0, 1]);
  assert.equal(result.filtered, 1);
});

test('a chain without route reports no routes', () => {
  const result = chainOf([add([{ key: 'k', value: { static: 1 } }])]).apply(batchOf(['{}']));
  assert.equal(result.routes, undefined);
});
