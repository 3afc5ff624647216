// The allowed_hosts matcher that gates every capability call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AllowedHosts } from '../../runtime/host/capabilities/index.js';

test('host:port, bare host, wildcard domain, IPv6 and "*" patterns', () => {
  const cases: [string[], string, number, boolean][] = [
    [['localhost:5432'], 'localhost', 5432, true],
    [['localhost:5432'], 'LOCALHOST', 5432, true],
    [['localhost:5432'], 'localhost', 5433, false],
    [['localhost:5432'], 'localhost.evil.com', 5432, false],
    [['db.internal'], 'db.internal', 1, true],
    [['db.internal'], 'db.internal', 65535, true],
    [['*.example.com:443'], 'es.example.com', 443, true],
    [['*.example.com:443'], 'a.b.example.com', 443, true],
    [['*.example.com:443'], 'example.com', 443, false],
    [['*.example.com:443'], 'badexample.com', 443, false],
    [['*.example.com:443'], 'es.example.com', 80, false],
    [['[::1]:8080'], '[::1]', 8080, true],
    [['[::1]:8080'], '::1', 8080, true],
    [['[::1]:8080'], '::1', 8081, false],
    [['::1'], '::1', 9, true],
    [['*:443'], 'anything.org', 443, true],
    [['*:443'], 'anything.org', 80, false],
    [['*'], 'anything.org', 80, true],
    [[], 'localhost', 80, false],
    [['127.0.0.1:1', '127.0.0.1:9200'], '127.0.0.1', 9200, true],
    [['localhost:'], 'localhost', 0, false],
    [['localhost:http'], 'localhost', 80, false],
  ];
  for (const [patterns, host, port, expected] of cases) {
    assert.equal(new AllowedHosts(patterns).allows(host, port), expected, `${JSON.stringify(patterns)} allows ${host}:${port}`);
  }
});

test('a refusal names the destination and the config key to change', () => {
  assert.equal(new AllowedHosts([]).denial('db', 5432), 'db:5432 is not allowed: add "db:5432" to this connector\'s permissions.allowed_hosts (it is empty)');
  assert.equal(
    new AllowedHosts(['x:1']).denial('::1', 80),
    '[::1]:80 is not allowed: add "[::1]:80" to this connector\'s permissions.allowed_hosts (it holds "x:1")',
  );
});
