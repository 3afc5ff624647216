// The postgres capability's connection URL parsing: what reaches the allowed_hosts
// check must be the server the client connects to, nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConnection } from '../../runtime/host/capabilities/postgres.js';

function refusal(text: string): { tag: string; val: string } {
  try {
    parseConnection(text);
  } catch (err) {
    return (err as { payload: { tag: string; val: string } }).payload;
  }
  assert.fail(`${text} was accepted`);
}

test('a connection URL becomes host, port, credentials and database', () => {
  assert.deepEqual(parseConnection('postgres://app:p%40ss@db.internal:6543/orders?sslmode=require'), {
    host: 'db.internal',
    port: 6543,
    user: 'app',
    password: 'p@ss',
    database: 'orders',
    ssl: 'require',
  });
  assert.deepEqual(parseConnection('postgresql://app@[::1]/'), { host: '::1', port: 5432, user: 'app', password: '', database: 'app', ssl: 'disable' });
});

test('anything that could point the client at another server, or is not a URL, is refused', () => {
  for (const [text, why] of [
    ['postgres://app:x@db/orders?host=/var/run/postgresql', /host=\/var\/run\/postgresql is not supported/],
    ['postgres://app:x@db/orders?hostaddr=10.0.0.1', /hostaddr=10\.0\.0\.1 is not supported/],
    ['postgres://app:x@db/orders?sslmode=prefer', /sslmode=prefer is not supported/],
    ['host=db user=app', /not a URL/],
    ['mysql://app@db/x', /must start with postgres:\/\//],
    ['postgres://db/orders', /no user/],
  ] as const) {
    const r = refusal(text);
    assert.equal(r.tag, 'invalid-request', text);
    assert.match(r.val, why, text);
  }
});
