// The client's error types: status table, messages that say what to do, retryability.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  IGGY_STATUS_TABLE,
  IggyClosedError,
  IggyConnectionError,
  IggyError,
  IggyProtocolError,
  IggyTimeoutError,
  isRetryable,
} from '../../runtime/iggy/errors.js';
import { RuntimeError } from '../../runtime/errors.js';

test('fromStatus maps known codes to their iggy_common names', () => {
  const cases: Array<[number, string]> = [
    [40, 'unauthenticated'],
    [42, 'invalid_credentials'],
    [1009, 'stream_id_not_found'],
    [1012, 'stream_name_already_exists'],
    [2013, 'topic_name_already_exists'],
    [3007, 'partition_not_found'],
    [4039, 'invalid_batch_checksum'],
    [4041, 'unsupported_option_key'],
    [5004, 'consumer_group_name_already_exists'],
    [14003, 'incompatible_protocol_version'],
  ];
  for (const [status, name] of cases) {
    const e = IggyError.fromStatus(status, 'createTopic(s1, t1)');
    assert.ok(e instanceof RuntimeError, `status ${status}`);
    assert.equal(e.code, 'IGGY_STATUS');
    assert.equal(e.status, status);
    assert.equal(e.statusName, name, `status ${status}`);
    assert.match(e.message, /^createTopic\(s1, t1\): Iggy status/, `status ${status}`);
  }
});

test('common statuses carry advice on what to do', () => {
  assert.match(IggyError.fromStatus(42).message, /check the username and password/);
  assert.match(IggyError.fromStatus(1010).message, /create the stream first/);
  assert.match(IggyError.fromStatus(2013).message, /already exists.*reuse it or pick another name/);
  assert.match(IggyError.fromStatus(3007).message, /0-based/);
});

test('unknown statuses are kept with their number', () => {
  const e = IggyError.fromStatus(999_999);
  assert.equal(e.statusName, 'unknown_999999');
  assert.match(e.message, /999999/);
});

test('the table holds every iggy_common 0.11.0 code, with unique snake_case names', () => {
  assert.equal(IGGY_STATUS_TABLE.size, 240);
  const names = new Set<string>();
  for (const [code, [name]] of IGGY_STATUS_TABLE) {
    assert.match(name, /^[a-z0-9_]+$/, `code ${code}`);
    assert.ok(!names.has(name), `duplicate name ${name}`);
    names.add(name);
  }
});

test('retryable: connection loss, timeout, transient statuses; not a business error or a protocol error', () => {
  assert.equal(isRetryable(new IggyConnectionError('lost')), true);
  const timeout = new IggyTimeoutError('slow');
  assert.equal(timeout.code, 'IGGY_TIMEOUT');
  assert.ok(timeout instanceof IggyConnectionError);
  assert.equal(isRetryable(timeout), true);
  assert.equal(isRetryable(IggyError.fromStatus(57)), true);
  assert.equal(isRetryable(IggyError.fromStatus(1009)), false);
  assert.equal(isRetryable(new IggyProtocolError('bad')), false);
  assert.equal(isRetryable(new IggyClosedError('closed')), false);
  assert.equal(new IggyConnectionError('x').code, 'IGGY_CONNECTION');
  assert.equal(new IggyProtocolError('x').code, 'IGGY_PROTOCOL');
});
