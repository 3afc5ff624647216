// The HTTP layer on its own, with a runtime that has no connectors: CORS and
// preflight, JSON errors for unknown paths and methods, the open API when no key
// is set, the status page's headers, and the key comparison.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { apiKeyMatches } from '../../runtime/api/auth.js';
import { ApiListenError, startApiServer, type ApiServer } from '../../runtime/api/index.js';
import { parseConfig } from '../../runtime/config/index.js';
import { Supervisor } from '../../runtime/supervisor/supervisor.js';

const logger = pino({ level: 'silent' });

async function emptyRuntime(t: { after: (fn: () => Promise<void>) => void }, http: string): Promise<ApiServer> {
  const config = parseConfig(`[http]\nenabled = true\naddress = "127.0.0.1:0"\n${http}`, { baseDir: process.cwd(), env: {} });
  const supervisor = new Supervisor(config, { logger });
  const api = await startApiServer({ config, supervisor, logger, version: '1.2.3' });
  supervisor.start();
  t.after(async () => {
    await supervisor.stop();
    await api.close();
  });
  return api;
}

test('without api_key every endpoint is open; unknown paths and methods are JSON errors', async (t) => {
  const api = await emptyRuntime(t, '');
  const stats = (await (await fetch(`${api.url}/stats`)).json()) as {
    sinks_total: number;
    sources_total: number;
    connectors: unknown[];
    connectors_runtime_version: string;
  };
  assert.deepEqual([stats.sinks_total, stats.sources_total, stats.connectors, stats.connectors_runtime_version], [0, 0, [], '1.2.3']);
  assert.deepEqual(await (await fetch(`${api.url}/sinks`)).json(), []);

  const missing = await fetch(`${api.url}/nothing/here`);
  assert.equal(missing.status, 404);
  assert.match(missing.headers.get('content-type') ?? '', /^application\/json/);
  assert.deepEqual(await missing.json(), { code: 'API_NOT_FOUND', message: 'no endpoint at /nothing/here; see docs/operations.md for the list' });

  const wrong = await fetch(`${api.url}/stats`, { method: 'POST' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');
  assert.equal(((await wrong.json()) as { code: string }).code, 'API_METHOD_NOT_ALLOWED');

  const restart = await fetch(`${api.url}/sources/ghost/restart`, { method: 'POST' });
  assert.equal(restart.status, 404);
  assert.equal(((await restart.json()) as { code: string }).code, 'SOURCE_NOT_FOUND');

  const metrics = await (await fetch(`${api.url}/metrics`)).text();
  assert.match(metrics, /^iggy_connectors_sinks_total 0$/m);
  assert.match(metrics, /^# TYPE iggy_connector_stage_duration_seconds histogram$/m);
});

test('the status page is served as is, public, with a content security policy', async (t) => {
  const api = await emptyRuntime(t, 'api_key = "k"');
  const res = await fetch(`${api.url}/ui`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
  assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  const html = await res.text();
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /fetch\('\/stats'/, 'the page reads /stats');
  assert.equal((await fetch(`${api.url}/stats`)).status, 401, 'while the data behind it needs the key');
});

test('CORS: allowed origins get the headers and a keyless preflight; others get neither', async (t) => {
  const api = await emptyRuntime(t, 'api_key = "secret"\n[http.cors]\nenabled = true\nallowed_origins = ["https://ops.example"]');
  const preflight = await fetch(`${api.url}/sinks/x/restart`, {
    method: 'OPTIONS',
    headers: { origin: 'https://ops.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'api-key' },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://ops.example');
  assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /api-key/);
  assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);

  const allowed = await fetch(`${api.url}/stats`, { headers: { origin: 'https://ops.example', 'api-key': 'secret' } });
  assert.equal(allowed.status, 200);
  assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://ops.example');
  assert.equal(allowed.headers.get('vary'), 'Origin');

  const other = await fetch(`${api.url}/stats`, { headers: { origin: 'https://evil.example', 'api-key': 'secret' } });
  assert.equal(other.headers.get('access-control-allow-origin'), null);
  const otherPreflight = await fetch(`${api.url}/stats`, {
    method: 'OPTIONS',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
  });
  assert.equal(otherPreflight.status, 401, 'a preflight from another origin is an ordinary request, and needs the key');
});

test('CORS with "*" allows any origin', async (t) => {
  const api = await emptyRuntime(t, '[http.cors]\nenabled = true\nallowed_origins = ["*"]');
  const res = await fetch(`${api.url}/health`, { headers: { origin: 'https://anywhere.example' } });
  assert.equal(res.headers.get('access-control-allow-origin'), '*');
});

test('a busy port fails with API_LISTEN naming the address', async () => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const { port } = blocker.address() as { port: number };
  try {
    const config = parseConfig(`[http]\nenabled = true\naddress = "127.0.0.1:${port}"`, { baseDir: process.cwd(), env: {} });
    const supervisor = new Supervisor(config, { logger });
    await assert.rejects(startApiServer({ config, supervisor, logger, version: '0' }), (error: unknown) => {
      assert.ok(error instanceof ApiListenError);
      assert.equal(error.code, 'API_LISTEN');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\)`));
      return true;
    });
  } finally {
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
  }
});

test('apiKeyMatches: exact match only, whatever the lengths', () => {
  assert.equal(apiKeyMatches('abc', 'abc'), true);
  for (const presented of ['abd', 'ab', 'abcd', '', 'ABC', undefined, ['abc']]) {
    assert.equal(apiKeyMatches('abc', presented), false, `presented ${JSON.stringify(presented)}`);
  }
});
